/**
 * Every error code sluice raises, in one list: core, operators and adapters type their errors'
 * `code` against it, and `docs/errors.md` gives each one's class, thrower, meaning and remedy
 * (a test fails when a code is used that this list or that page lacks).
 */
export type SluiceErrorCode =
  // Bad input at call time (SluiceTypeError / SluiceRangeError).
  | 'ERR_SLUICE_INVALID_ARGUMENT'
  | 'ERR_SLUICE_INVALID_OPTION'
  | 'ERR_SLUICE_OPTION_OUT_OF_RANGE'
  | 'ERR_SLUICE_INVALID_SOURCE'
  | 'ERR_SLUICE_INVALID_STAGE'
  | 'ERR_SLUICE_INVALID_SINK'
  // A stage or source broke the iteration protocol during a run.
  | 'ERR_SLUICE_INVALID_ITERATOR'
  // Acknowledgements (ackAfter).
  | 'ERR_SLUICE_NO_ACK_POINT'
  | 'ERR_SLUICE_ACK_ORDER'
  // Data errors of the text and format operators.
  | 'ERR_SLUICE_LINE_TOO_LONG'
  | 'ERR_SLUICE_CSV_PARSE'
  | 'ERR_SLUICE_CSV_FORMAT'
  | 'ERR_SLUICE_NDJSON_PARSE'
  | 'ERR_SLUICE_NDJSON_FORMAT'
  // The world closed under a run (adapters).
  | 'ERR_SLUICE_DESTINATION_CLOSED'
  | 'ERR_SLUICE_CLIENT_GONE'
  | 'ERR_SLUICE_HEADERS_SENT';

/** Codes of the process warnings sluice emits for errors it cannot throw (see `docs/errors.md`). */
export type SluiceWarningCode = 'SLUICE_CLEANUP_ERROR' | 'SLUICE_REPORT_ERROR';
