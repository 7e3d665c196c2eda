// Typed usage of tokenward/express's settings, compiled with `tsc --strict` (make lint).
import express from 'express';
import { Verifier } from '..';
import { requireToken, type AnswerError, type AuthInfo } from '../express';

const verifier = new Verifier({ jwksUrl: 'https://issuer.example/.well-known/jwks.json', audience: 'my-api' });
const app = express();
app.post(
  '/login',
  requireToken({ verifier, header: false, jsonPath: 'accessToken', maxBodyBytes: 16384 }),
  (req, res) => {
    const auth: AuthInfo | undefined = req.auth;
    res.json({ sub: auth?.claims.sub ?? null });
  },
);
app.get(
  '/admin',
  requireToken({
    verifier,
    scopes: ['admin'],
    claims: [{ includes: 'realm_access.roles', values: 'admin' }, { equals: 'org', value: 'acme' }],
    realm: 'api',
    retryAfter: 10,
    passErrors: true,
  }),
  (req, res) => res.json(req.auth?.claims),
);
app.use((err: AnswerError, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
  res.status(err.status).json({ code: err.code, answer: err.answer.code });
});
