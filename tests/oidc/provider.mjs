// A real OpenID provider for Lyfta's SITHS/OIDC login tests (node_modules/oidc-provider, pinned in
// package.json). Test-only: nothing here is served to users.
//
//   node tests/oidc/provider.mjs PORT CONFIG_JSON
//
// CONFIG_JSON: {"clients": [{"client_id", "client_secret", "redirect_uris": [...],
//                            "post_logout_redirect_uris": [...]}, ...]}
// Listens on 127.0.0.1:PORT with issuer http://127.0.0.1:PORT. Authorization code flow only, PKCE
// (S256) required for every client, RS256 ID tokens signed with a key made at start (JWKS at
// /jwks). Its own small login form (Swedish, labelled) stands in for the SITHS card: the user id
// typed there is the account. Accounts (findAccount): a few named ones below, and any user id that
// looks like an HSA-id (SE…), whose hsa_id claim is that id. "utan-hsa" has no hsa_id claim.
// Consent is implied (a first-party client). RP-initiated logout (end_session_endpoint) asks
// "Logga ut?" and then returns to the client's post_logout_redirect_uri.
import crypto from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const config = JSON.parse(process.argv[3] || '{}');
if (!port) {
  console.error('usage: node tests/oidc/provider.mjs PORT CONFIG_JSON');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

const ACCOUNTS = {
  'anna.sits': { hsa_id: 'SE2321000016-A0001', given_name: 'Anna', family_name: 'Sithsson' },
  'utan-hsa': { given_name: 'Utan', family_name: 'Hsa' },
};

function accountClaims(id) {
  if (Object.hasOwn(ACCOUNTS, id)) return ACCOUNTS[id];
  if (/^SE[0-9A-Za-z-]{6,40}$/.test(id)) return { hsa_id: id, given_name: 'Test', family_name: id };
  return null;
}

const signingKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
  .export({ format: 'jwk' });
signingKey.kid = crypto.randomBytes(8).toString('hex');
signingKey.alg = 'RS256';
signingKey.use = 'sig';

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) => `<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title></head>
<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;

const provider = new Provider(issuer, {
  clients: (config.clients || []).map((c) => ({
    client_id: c.client_id,
    client_secret: c.client_secret,
    redirect_uris: c.redirect_uris,
    post_logout_redirect_uris: c.post_logout_redirect_uris || [],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  })),
  jwks: { keys: [signingKey] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  pkce: { methods: ['S256'], required: () => true },
  responseTypes: ['code'],
  scopes: ['openid', 'profile'],
  claims: { openid: ['sub', 'hsa_id'], profile: ['name', 'given_name', 'family_name'] },
  conformIdTokenClaims: false, // the scope's claims (hsa_id) go into the ID token itself
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.type = 'html';
        ctx.body = page('Logga ut?', `${form}
<p>Vill du logga ut från testleverantören?</p>
<button type="submit" form="op.logoutForm" value="yes" name="logout">Ja, logga ut</button>
<button type="submit" form="op.logoutForm">Nej</button>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.type = 'html';
        ctx.body = page('Utloggad', '<p>Du är utloggad från testleverantören.</p>');
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const claims = accountClaims(sub);
    if (!claims) return undefined;
    return {
      accountId: sub,
      async claims() {
        const name = [claims.given_name, claims.family_name].filter(Boolean).join(' ');
        return { sub, name, ...claims };
      },
    };
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Fel hos testleverantören', `<pre>${escape(JSON.stringify(out))}</pre>`);
  },
  ttl: { Session: 3600, Interaction: 600, Grant: 3600, AuthorizationCode: 60, AccessToken: 600, IdToken: 600 },
});

function readForm(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; if (data.length > 10000) req.destroy(); });
    req.on('end', () => resolve(new URLSearchParams(data)));
    req.on('error', reject);
  });
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params } = details;
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page('Logga in hos testleverantören', `
<p>Klient: ${escape(params.client_id)}</p>
<form method="post" action="/interaction/${escape(uid)}">
<label for="login">Användar-id</label>
<input id="login" name="login" autocomplete="username" required>
<button type="submit">Fortsätt</button>
</form>`));
    return;
  }
  const form = await readForm(req);
  const accountId = (form.get('login') || '').trim();
  if (prompt.name === 'login' && !accountClaims(accountId)) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page('Okänt användar-id', `<p>Testleverantören känner inte ${escape(accountId)}.</p>`));
    return;
  }
  const sessionAccount = details.session?.accountId;
  const account = prompt.name === 'login' ? accountId : sessionAccount;
  const grant = new provider.Grant({ accountId: account, clientId: params.client_id });
  grant.addOIDCScope(params.scope);
  const grantId = await grant.save();
  const result = { consent: { grantId } };
  if (prompt.name === 'login') result.login = { accountId };
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((err) => {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`interaction failed: ${err.message}`);
    });
    return;
  }
  callback(req, res);
});
server.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
