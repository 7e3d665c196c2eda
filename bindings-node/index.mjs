import tokenward from './index.js';

export const { Verifier, decodeUnverified, TokenwardError, ERROR_CODES } = tokenward;
export default tokenward;
