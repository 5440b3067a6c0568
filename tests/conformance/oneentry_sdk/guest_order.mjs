// Runs OneEntry's guest-order example through the official JS SDK and checks every answer
// against the SDK's own zod schemas (strict mode). Prints one JSON report on stdout; exits 0
// when every call succeeded and every answer passed, 1 when one did not, 2 on bad usage.
//
// Settings (command-line options win over the environment):
//   --url       ONEENTRY_URL             project URL, e.g. http://127.0.0.1:8000
//   --token     ONEENTRY_APP_TOKEN       the project's app token
//   --login     ONEENTRY_GUEST_LOGIN     the shared guest user's login
//   --password  ONEENTRY_GUEST_PASSWORD  its password
//   --pause-before-order  ONEENTRY_PAUSE_BEFORE_ORDER_MS  wait (ms) before creating the order,
//                                        to let a short-lived access token expire

import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { defineOneEntry } from 'oneentry';
import authSchemas from 'oneentry/dist/auth-provider/authProviderSchemas.js';
import orderSchemas from 'oneentry/dist/orders/ordersSchemas.js';
import paymentSchemas from 'oneentry/dist/payments/paymentsSchemas.js';

const STORAGE = 'guest_orders';
const FORM = 'guest_order';
const ACCOUNT = 'cash';
const PRODUCT_ID = 15;
const LANG = 'en_US';

class Failure extends Error {
  constructor(call, details) {
    super(`${call}: ${details.message}`);
    this.call = call;
    this.details = details;
  }
}

function settings() {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      login: { type: 'string' },
      password: { type: 'string' },
      'pause-before-order': { type: 'string' },
    },
  });
  const env = process.env;
  const chosen = {
    url: values.url ?? env.ONEENTRY_URL,
    token: values.token ?? env.ONEENTRY_APP_TOKEN,
    login: values.login ?? env.ONEENTRY_GUEST_LOGIN,
    password: values.password ?? env.ONEENTRY_GUEST_PASSWORD,
    pauseMs: Number(values['pause-before-order'] ?? env.ONEENTRY_PAUSE_BEFORE_ORDER_MS ?? 0),
  };
  const missing = ['url', 'token', 'login', 'password'].filter((key) => !chosen[key]);
  if (missing.length > 0 || !Number.isFinite(chosen.pauseMs) || chosen.pauseMs < 0) {
    throw new Error(`missing or bad settings: ${missing.join(', ') || 'pause-before-order'}`);
  }
  return chosen;
}

// Records every HTTP exchange the SDK makes (it calls the global fetch, also for its own
// token refresh), so the report can show the 401 -> refresh -> retry sequence and the script
// can check the raw answers of calls the SDK does not validate itself.
function tapFetch() {
  const exchanges = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init = {}) => {
    const response = await realFetch(input, init);
    const url = new URL(typeof input === 'string' ? input : input.url);
    const text = await response.clone().text();
    let body = text;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      // not JSON: keep the text
    }
    const metadata = init.headers?.['x-device-metadata'];
    exchanges.push({
      method: init.method ?? 'GET',
      path: url.pathname,
      status: response.status,
      fingerprint: metadata ? JSON.parse(metadata).fingerprint : null,
      body,
    });
    return response;
  };
  return exchanges;
}

function describeIssues(issues) {
  return issues.map((issue) => ({ path: issue.path, code: issue.code, message: issue.message }));
}

// In strict mode the SDK does not throw on a schema mismatch: it returns an IError-like object
// with statusCode 422 and the zod issues. HTTP errors are thrown (errors.isShell = false), and
// network errors may come back as Error objects.
function refusal(result) {
  if (result instanceof Error) {
    return { message: `${result.name}: ${result.message}` };
  }
  if (result !== null && typeof result === 'object' && typeof result.statusCode === 'number') {
    const schema = result.statusCode === 422 && result.message === 'Response validation failed';
    return {
      statusCode: result.statusCode,
      message: result.message,
      schemaValidation: schema,
      ...(schema ? { issues: describeIssues(result.validationErrors ?? []) } : {}),
    };
  }
  return null;
}

function schemaFailure(call, issues) {
  return new Failure(call, {
    statusCode: 422,
    message: 'Response validation failed',
    schemaValidation: true,
    issues: describeIssues(issues),
  });
}

function connect(config, exchanges) {
  const report = { ok: false, checks: [], results: {} };
  const sdk = defineOneEntry(config.url, {
    token: config.token,
    langCode: LANG,
    validation: { enabled: true, strictMode: true, logErrors: false },
    auth: { customAuth: false, providerMarker: 'email' },
    errors: { isShell: false },
  });

  // Runs one SDK call; its answer is refused when it is an error or failed the SDK's schema.
  async function attempt(call, schema, checkedBy, run) {
    let result;
    try {
      result = await run();
    } catch (thrown) {
      result = thrown;
    }
    const problem = refusal(result);
    if (problem !== null) {
      report.checks.push({ call, schema, checkedBy, passed: false });
      throw new Failure(call, problem);
    }
    return result;
  }

  // A call the SDK validates itself; `schema` names the schema it applies.
  async function checkedBySdk(call, schema, run) {
    const result = await attempt(call, schema, 'sdk', run);
    report.checks.push({ call, schema, checkedBy: 'sdk', passed: true });
    return result;
  }

  // A call the SDK leaves unvalidated: its raw answer is checked here with the SDK's schema.
  async function checkedByScript(call, schemaName, schema, run) {
    const before = exchanges.length;
    const result = await attempt(call, schemaName, 'script', run);
    const answer = exchanges.slice(before).at(-1);
    const parsed = schema.safeParse(answer?.body);
    report.checks.push({ call, schema: schemaName, checkedBy: 'script', passed: parsed.success });
    if (!parsed.success) {
      throw schemaFailure(call, parsed.error.issues);
    }
    return result;
  }

  return { report, sdk, checkedBySdk, checkedByScript };
}

async function guestOrder(config, exchanges, { report, sdk, checkedBySdk, checkedByScript }) {
  const out = report.results;

  const signedIn = await checkedBySdk('AuthProvider.auth', 'AuthResponseSchema', () =>
    sdk.AuthProvider.auth('email', {
      authData: [
        { marker: 'email_reg', value: config.login },
        { marker: 'password_reg', value: config.password },
      ],
    }),
  );
  out.signIn = {
    userIdentifier: signedIn.userIdentifier,
    authProviderIdentifier: signedIn.authProviderIdentifier,
  };

  const providers = await checkedBySdk(
    'AuthProvider.getAuthProviders',
    'AuthProvidersResponseSchema',
    () => sdk.AuthProvider.getAuthProviders(LANG),
  );
  out.providers = providers.map((provider) => provider.identifier);

  const provider = await checkedByScript(
    'AuthProvider.getAuthProviderByMarker',
    'AuthProviderEntitySchema',
    authSchemas.AuthProviderEntitySchema,
    () => sdk.AuthProvider.getAuthProviderByMarker('email', LANG),
  );
  out.provider = { identifier: provider.identifier, title: provider.localizeInfos?.title };

  const products = await checkedBySdk('Products.getProducts', 'ProductsResponseSchema', () =>
    sdk.Products.getProducts([], LANG, { sortOrder: 'ASC', sortKey: 'position' }),
  );
  out.products = { total: products.total, ids: products.items.map((item) => item.id) };

  const product = await checkedBySdk('Products.getProductById', 'ProductEntitySchema', () =>
    sdk.Products.getProductById(PRODUCT_ID, LANG),
  );
  out.product = { id: product.id, title: product.localizeInfos?.title, price: product.price };

  const form = await checkedBySdk('Forms.getFormByMarker', 'FormEntitySchema', () =>
    sdk.Forms.getFormByMarker(FORM, LANG),
  );
  out.form = {
    identifier: form.identifier,
    title: form.localizeInfos?.title,
    markers: (form.attributes ?? []).map((attribute) => attribute.marker),
  };

  const storages = await checkedByScript(
    'Orders.getAllOrdersStorage',
    'OrdersStorageResponseSchema',
    orderSchemas.OrdersStorageResponseSchema,
    () => sdk.Orders.getAllOrdersStorage(LANG),
  );
  out.storages = storages.map((storage) => storage.identifier);

  const storage = await checkedByScript(
    'Orders.getOrdersStorageByMarker',
    'OrderStorageSchema',
    orderSchemas.OrderStorageSchema,
    () => sdk.Orders.getOrdersStorageByMarker(STORAGE, LANG),
  );
  out.storage = {
    identifier: storage.identifier,
    formIdentifier: storage.formIdentifier,
    title: storage.localizeInfos?.title,
    paymentAccounts: storage.paymentAccountIdentifiers.map((account) => account.identifier),
  };

  const accounts = await checkedBySdk('Payments.getAccounts', 'PaymentAccountsResponseSchema', () =>
    sdk.Payments.getAccounts(),
  );
  out.accounts = accounts.map((account) => account.identifier);
  const cash = accounts.find((account) => account.identifier === ACCOUNT);
  if (cash === undefined) {
    throw new Failure('Payments.getAccounts', { message: `no payment account '${ACCOUNT}'` });
  }

  const account = await checkedByScript(
    'Payments.getAccountById',
    'PaymentAccountSchema',
    paymentSchemas.PaymentAccountSchema,
    () => sdk.Payments.getAccountById(cash.id),
  );
  out.account = { id: account.id, identifier: account.identifier, type: account.type };

  if (config.pauseMs > 0) {
    await sleep(config.pauseMs);
  }

  const order = await checkedBySdk('Orders.createOrder', 'CreateOrderResponseSchema', () =>
    sdk.Orders.createOrder(STORAGE, {
      formIdentifier: FORM,
      paymentAccountIdentifier: ACCOUNT,
      formData: [
        { marker: 'guest_name', type: 'string', value: 'Christina Thomas' },
        { marker: 'guest_phone', type: 'string', value: '+18005000500' },
        { marker: 'guest_email', type: 'string', value: 'guest@yourmail.com' },
      ],
      products: [{ productId: PRODUCT_ID, quantity: 1 }],
    }),
  );
  out.order = order;

  const session = await checkedBySdk('Payments.createSession', 'PaymentSessionSchema', () =>
    sdk.Payments.createSession(order.id, 'session', false),
  );
  out.session = session;

  const byOrder = await checkedBySdk(
    'Payments.getSessionByOrderId',
    'SinglePaymentSessionSchema',
    () => sdk.Payments.getSessionByOrderId(order.id),
  );
  out.sessionsByOrder = Array.isArray(byOrder) ? byOrder : [byOrder];

  out.sessionById = await checkedByScript(
    'Payments.getSessionById',
    'PaymentSessionSchema',
    paymentSchemas.PaymentSessionSchema,
    () => sdk.Payments.getSessionById(session.id),
  );

  const sessions = await checkedBySdk('Payments.getSessions', 'PaymentSessionsResponseSchema', () =>
    sdk.Payments.getSessions(),
  );
  out.sessions = { total: sessions.total, ids: sessions.items.map((item) => item.id) };

  out.orderRead = await checkedBySdk('Orders.getOrderByMarkerAndId', 'OrderEntitySchema', () =>
    sdk.Orders.getOrderByMarkerAndId(STORAGE, order.id, LANG),
  );

  const orders = await checkedBySdk('Orders.getAllOrdersByMarker', 'OrdersResponseSchema', () =>
    sdk.Orders.getAllOrdersByMarker(STORAGE, LANG),
  );
  out.orders = { total: orders.total, ids: orders.items.map((item) => item.id) };

  // The SDK reads a refresh answer without validating it; check each one here.
  for (const exchange of exchanges) {
    if (exchange.path.endsWith('/users/refresh') && exchange.status < 300) {
      const parsed = authSchemas.AuthResponseSchema.safeParse(exchange.body);
      report.checks.push({
        call: 'token refresh',
        schema: 'AuthResponseSchema',
        checkedBy: 'script',
        passed: parsed.success,
      });
      if (!parsed.success) {
        throw schemaFailure('token refresh', parsed.error.issues);
      }
    }
  }
}

async function run() {
  let config;
  try {
    config = settings();
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ ok: false, failure: { message: error.message } })}\n`);
    return 2;
  }
  if (Number(process.versions.node.split('.')[0]) < 20) {
    // Below Node.js 18 the SDK falls back to the https module, which cannot reach http:// URLs.
    const message = `Node.js 20 or newer is needed, this is ${process.versions.node}`;
    process.stdout.write(`${JSON.stringify({ ok: false, failure: { message } })}\n`);
    return 2;
  }
  const exchanges = tapFetch();
  const parts = connect(config, exchanges);
  const { report } = parts;
  let code = 0;
  try {
    await guestOrder(config, exchanges, parts);
    report.ok = true;
  } catch (error) {
    report.failure =
      error instanceof Failure
        ? { call: error.call, ...error.details }
        : { message: `${error?.name}: ${error?.message}` };
    code = 1;
  }
  report.exchanges = exchanges.map(({ method, path, status, fingerprint }) => ({
    method,
    path,
    status,
    fingerprint,
  }));
  process.stdout.write(`${JSON.stringify(report)}\n`);
  return code;
}

process.exitCode = await run();
