/** sendPipeline was handed a response whose headers already went out: it must own the whole response. */
export class HeadersSentError extends Error {
  readonly code = 'ERR_SLUICE_HEADERS_SENT';
  constructor(message = 'sendPipeline(req, res): the response has already sent its headers (res.headersSent); sendPipeline must own the whole response') {
    super(message);
    this.name = 'HeadersSentError';
  }
}
