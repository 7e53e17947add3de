// @ts-check
// The fixed answer of the baseline servers: compact JSON the size of an XKS encrypt response.
export const ENCRYPT_ANSWER = JSON.stringify({
  authenticationTag: 'jwiBoOyP/E1mQfqS8Pn3Sg==',
  ciphertext:
    'kPnp9iBc1J0v7tWCD7MEkQq3GVV4ePjvn6J6x1rbM+qTD5p0AD6gtHn8p4q6C8H6rE2oV3ObEm5yMSq0u8Yc7S0rjZ5oE1v0oZ0sfx3b2Q/3P+2Fg6B2+X8o3w5pT8Dk0R8sR9nGwq6m3b1XcQmzj9f5Xb2j9Wk4aJ0n1Zq4k0xM2kE9bVv7fVqz0lJtYQ2H2v8vZ6Kk1w2gGg0p9g0sA==',
  initializationVector: 'q3S5a0kq5yq1bQ2d',
  ciphertextMetadata: 'AQ==',
});
