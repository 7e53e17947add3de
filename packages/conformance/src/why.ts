import type { Severity } from './types.ts';

/**
 * Why each check matters: what goes wrong for AWS KMS, its callers or a security review when a
 * proxy fails it. docs/conformance.md and the HTML report show it beside each check. A `why` the
 * check carries itself wins over this table; a check in neither gets a sentence built from its
 * severity and spec section, so a new check never breaks the report or the doc.
 */
export const CHECK_WHY: Readonly<Record<string, string>> = {
  'health.ok':
    'KMS calls GetHealthStatus when a key store is created, connected or updated, and then periodically; a malformed answer keeps the key store from connecting.',
  'health.fleet-active':
    'KMS treats a key store whose key managers are all DEGRADED or UNAVAILABLE as unhealthy; a proxy that reports ACTIVE truthfully lets operators see trouble before KMS does.',
  'health.missing-metadata':
    'A proxy that answers requests lacking required fields accepts what KMS never sends, which hides parsing bugs that surface later on real traffic.',
  'metadata.ok':
    'CreateKey in an external key store reads GetKeyMetadata: anything but an enabled AES_256 key with ENCRYPT and DECRYPT makes KMS refuse to create the KMS key.',
  'metadata.test-client-shape':
    "AWS's XKS test client sends kmsKeyArn, kmsViaService and kmsOperation DescribeKey to GetKeyMetadata; refusing them fails the test AWS asks vendors to pass.",
  'encrypt.ok':
    'KMS stores the IV, tag, ciphertext and metadata separately and checks their sizes; a wrong Base64 alphabet or size makes every Encrypt, GenerateDataKey and ReEncrypt fail.',
  'roundtrip.no-aad':
    'Ciphertext KMS cannot decrypt later is data loss: every envelope-encrypted object under the key becomes unreadable.',
  'roundtrip.aad':
    'KMS always binds its encryption context through AAD; a proxy that mishandles AAD cannot decrypt what it encrypted for real KMS traffic.',
  'roundtrip.max-sizes':
    'KMS sends up to 4300 bytes of plaintext and 8192 bytes of AAD; a proxy that refuses or truncates them fails large encryption contexts and data keys.',
  'decrypt.missing-aad':
    "The AAD carries KMS's encryption context: decrypting without it would let a caller bypass encryption-context conditions in key policies.",
  'decrypt.wrong-aad':
    'Decrypting under a different AAD means the encryption context no longer binds the ciphertext, defeating a security control customers rely on.',
  'decrypt.extra-aad':
    'AAD given where none was used must fail: otherwise the AAD check is not performed at all.',
  'decrypt.tampered-ciphertext':
    'AES-GCM must reject a changed ciphertext; a proxy that returns plaintext for it has no integrity protection.',
  'decrypt.tampered-tag':
    'Accepting a changed tag means the tag is not verified, so forged ciphertexts decrypt.',
  'decrypt.tampered-iv':
    'Accepting a changed IV means the ciphertext is not bound to its IV: the decrypted bytes differ from what was encrypted without any error.',
  'decrypt.tampered-metadata':
    'ciphertextMetadata must be authenticated (bound through the AAD); if changed metadata decrypts, an attacker controls data the proxy trusts.',
  'decrypt.dropped-metadata':
    'Metadata the proxy returned and then does not require is not protecting anything; decrypt must fail without it.',
  'decrypt.bad-tag-length':
    'A truncated tag weakens GCM authentication; the spec answers it as an invalid ciphertext rather than a crash or a validation error.',
  'encrypt.cdiv':
    'KMS checks the ciphertextDataIntegrityValue against the fields it received, to detect corruption between the proxy and KMS; a wrong CDIV fails every encrypt that asks for it.',
  'encrypt.cdiv-encrypt-only':
    'A CDIV request implies a verifying decrypt; doing it with a key not allowed to decrypt breaks the key usage rules the key manager enforces.',
  'errors.key-not-found':
    'KMS maps KeyNotFoundException to its own errors for callers and for key store health; another status or name makes a deleted key look like an outage.',
  'errors.validation':
    'Malformed requests must be refused cleanly with 400 ValidationException; accepting them, or failing with 5xx, turns client bugs into data errors or false outages.',
  'state.disabled-key':
    'A disabled key in the external key manager must stop cryptography at once: that is how a customer revokes access to their data (the "hold your own key" promise).',
  'usage.encrypt-only':
    'Key usage limits are a security control of the key manager; a proxy that decrypts with an encrypt-only key ignores it.',
  'usage.decrypt-only':
    'A decrypt-only key exists to retire a key for new data; encrypting with it defeats the rotation plan.',
  'usage.no-usage':
    "A key allowed neither operation must refuse both, or the key manager's policy is not what the proxy enforces.",
  'sigv4.kms-signed-headers':
    'KMS signs only host and x-amz-date; a proxy that requires more signed headers rejects every real KMS request.',
  'sigv4.curl-signed-headers':
    "AWS's test client (curl) also signs content-type; a verifier must honour whatever SignedHeaders lists.",
  'sigv4.missing-authorization':
    "Without authentication, anyone who reaches the proxy can encrypt and decrypt with the customer's keys.",
  'sigv4.malformed-authorization':
    'A parser that accepts a malformed Authorization header may skip the signature check altogether.',
  'sigv4.wrong-secret':
    'The signature is the only proof that KMS sent the request; accepting a wrong one means no authentication.',
  'sigv4.unknown-access-key':
    'An unknown access key must never fall back to another credential or to no check.',
  'sigv4.wrong-region':
    "The credential scope's region binds the request to the KMS region of the key store; accepting another lets signatures be replayed across regions.",
  'sigv4.wrong-service':
    'Service "kms-xks-proxy" in the scope keeps signatures made for other AWS services from being accepted here.',
  'sigv4.clock-skew-rejected':
    'A bounded x-amz-date window limits how long a captured request can be replayed.',
  'sigv4.clock-skew-tolerated':
    'KMS and the proxy clocks differ by up to 5 minutes in practice; rejecting a small skew makes a healthy key store fail intermittently.',
  'sigv4.tampered-body':
    'The payload hash must be checked, or an attacker on the path can change what is encrypted or decrypted.',
  'sigv4.tampered-path':
    'The path names the key; a signature not bound to it lets a request for one key be replayed against another.',
  'sigv4.signed-header-removed':
    'A header listed in SignedHeaders but absent means the signature cannot be verified as sent; accepting it weakens the check.',
  'sigv4.second-credential':
    'Credential rotation (UpdateCustomKeyStore) needs the new and old credentials to work side by side, or rotation is an outage.',
  'http.get-405':
    'The spec requires 405 for GET on the API URIs; answering GET reveals the proxy to scanners and can bypass POST-only controls.',
  'http.unknown-path':
    'Unknown paths must be refused with the XKS error KMS understands, never served by a fallback handler.',
  'http.wrong-prefix':
    'The URI path prefix isolates key stores (often different customers) on one proxy; serving another prefix breaks that isolation.',
  'robust.unknown-kms-operation':
    'KMS adds operations over time; a proxy that validates kmsOperation strictly breaks when it does.',
  'robust.unknown-fields':
    'KMS adds request fields over time (VPC details, attestation); rejecting unknown fields breaks a working key store on the day it does.',
  'robust.opaque-request-id':
    'kmsRequestId is opaque (usually a UUID); a proxy that validates its format breaks when KMS changes it.',
  'robust.long-arns':
    'Principal and key ARNs can be 2048 characters; a proxy with a smaller limit fails calls from long role paths.',
  'robust.pretty-request':
    'Any valid JSON must be accepted, whatever its whitespace: the next KMS or client version may format differently.',
  'robust.malformed-json':
    'Unparseable input must be a clean 400, not a crash, a 5xx or a hang that KMS would count as an outage.',
  'robust.wrong-types':
    'Fields of the wrong type must be refused before use; type confusion is a classic path to crashes and bypasses.',
  'robust.empty-body':
    'An empty body must be a clean 400, not a crash or an answer built from defaults.',
  'robust.oversized-body':
    'A proxy must bound what it buffers; a large body that crashes it or hangs it is a denial of service.',
  'robust.still-answering':
    'Hostile or malformed input must not leave the proxy broken for the legitimate requests that follow.',
  'tls.kms-cipher-suites':
    'KMS only connects with TLS 1.2+ and a few AES-256-GCM or ChaCha20 suites; without one of them the key store cannot connect at all.',
  'tls.client-certificate-required':
    'Mutual TLS is a second factor beside SigV4: requests from anything but the expected client are refused before any parsing.',
  'format.content-type':
    'KMS parses answers as JSON by Content-Type; a wrong one turns valid answers, errors included, into KMS internal errors.',
  'format.compact-json':
    'The spec shows compact JSON answers; multi-line bodies have broken strict line-based clients and log pipelines.',
  'format.error-body':
    'KMS reads errorName to decide what to tell the caller; an unknown name or a message leaking internals is a support and security problem.',
  'format.error-status':
    'KMS maps each errorName and status pair to its own behaviour (retry, health, caller error); a mismatched pair makes it misjudge the failure.',
  'load.errors': 'Any failed request under load is a failed Encrypt or Decrypt for a KMS caller.',
  'load.rate':
    'KMS expects a key store to sustain its request rate (about 1800 requests per second); a proxy that cannot keeps callers throttled.',
  'load.deadline':
    "KMS gives the proxy 250 ms per call; slower answers are timeouts for the caller and count against the key store's health.",
  'load.alarm':
    'Latency near the deadline (200 ms) leaves no margin: a small spike turns into timeouts.',
};

/** Why a check matters: its own text, the table's, or a sentence from its severity and section. */
export function whyOf(check: {
  id: string;
  severity: Severity;
  specRef: string;
  why?: string | undefined;
}): string {
  const known = check.why ?? CHECK_WHY[check.id];
  if (known !== undefined) return known;
  return check.severity === 'MUST'
    ? `Required by ${check.specRef} of the XKS proxy API: a proxy that fails it does not conform.`
    : `Recommended by ${check.specRef} of the XKS proxy API.`;
}
