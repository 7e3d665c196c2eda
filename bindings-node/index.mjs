import tokenward from './index.js';

export const { Verifier, decodeUnverified, scopesOf, setLogger, TokenwardError, ERROR_CODES } = tokenward;
export default tokenward;
