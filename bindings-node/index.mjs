import tokenward from './index.js';

export const { Verifier, decodeUnverified, scopesOf, TokenwardError, ERROR_CODES } = tokenward;
export default tokenward;
