/** Raw request as it arrived / will be sent. */
export type HttpRequestParts = {
  method: string;
  /**
   * The request target exactly as sent on the wire: raw path plus optional '?query'.
   * Never normalized (a '//kms/xks/v1/...' path is signed with the double slash).
   */
  path: string;
  /**
   * Header names lower-case (node's IncomingHttpHeaders shape). Arrays = repeated headers.
   * Node joins most repeated headers into one string with ', ' in `req.headers`; pass
   * `req.headersDistinct` when repeated signed headers must canonicalize exactly.
   */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The exact body bytes. */
  body: Uint8Array;
};

export type Credentials = { accessKeyId: string; secretAccessKey: string };
