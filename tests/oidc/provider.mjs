// A real OpenID Connect provider on loopback for the tests (npm oidc-provider), standing in
// for GOV.UK One Login or NHS login. Tests only: it accepts any password for its demo accounts.
//
//   node tests/oidc/provider.mjs PORT
//
// Environment:
//   OIDC_REDIRECT_URIS  comma-separated redirect URIs of the Coproduce client (required)
//   OIDC_CLIENT_SECRET  the secret of client "coproduce" (client_secret_basic)
//   OIDC_CLIENT_JWKS    JSON key set with the public key of client "coproduce-jwt"
//                       (private_key_jwt, as One Login and NHS login require)
//
// As at One Login, email claims come from the userinfo endpoint, not the ID token; every
// authorisation request must carry a nonce and a PKCE (S256) challenge.

import Provider from "oidc-provider";

const port = Number(process.argv[2] || process.env.OIDC_PORT);
if (!port) {
  console.error("usage: node tests/oidc/provider.mjs PORT");
  process.exit(2);
}
const redirectUris = (process.env.OIDC_REDIRECT_URIS || "").split(",").filter(Boolean);
if (!redirectUris.length) {
  console.error("Set OIDC_REDIRECT_URIS to the client's redirect URIs.");
  process.exit(2);
}

// The demo accounts: the login name is the subject. Any password signs in.
export const ACCOUNTS = {
  ada: { email: "ada@example.org", email_verified: true, name: "Ada Lovelace" },
  bo: { email: "bo@example.org", email_verified: false, name: "Bo Unverified" },
  cy: { email: "cy@example.org", email_verified: true, name: "Cy Stranger" },
};

const common = {
  redirect_uris: redirectUris,
  response_types: ["code"],
  grant_types: ["authorization_code"],
};
const clients = [
  {
    ...common,
    client_id: "coproduce",
    client_secret: process.env.OIDC_CLIENT_SECRET || "coproduce-test-secret",
    token_endpoint_auth_method: "client_secret_basic",
  },
];
if (process.env.OIDC_CLIENT_JWKS) {
  clients.push({
    ...common,
    client_id: "coproduce-jwt",
    token_endpoint_auth_method: "private_key_jwt",
    token_endpoint_auth_signing_alg: "RS256",
    jwks: JSON.parse(process.env.OIDC_CLIENT_JWKS),
  });
}

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients,
  pkce: { required: () => true },
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name"],
  },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ["coproduce-tests-only-cookie-key"] },
  async findAccount(ctx, id) {
    const account = ACCOUNTS[id];
    if (!account) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...account }) };
  },
});

// Refuse an authorisation request without a nonce, as One Login does.
provider.use(async (ctx, next) => {
  if (ctx.path === "/auth" && ctx.method === "GET" && !ctx.query.nonce) {
    ctx.status = 400;
    ctx.body = "invalid_request: nonce is required";
    return;
  }
  await next();
});

const server = provider.listen(port, "127.0.0.1", () => {
  console.log(`oidc provider listening on http://127.0.0.1:${port}`);
});
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
