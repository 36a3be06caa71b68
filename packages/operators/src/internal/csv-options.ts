import { SluiceRangeError, SluiceTypeError } from '@sluice/core';
import { describeValue } from '@sluice/core/kit';

/** Checks a one-character delimiter (both CSV stages take the same). */
export function validateDelimiter(value: unknown, name: string): string {
  if (typeof value !== 'string') {
    throw new SluiceTypeError('ERR_SLUICE_INVALID_OPTION', `${name} must be a string, got ${describeValue(value)}`);
  }
  if (value.length !== 1 || value === '"' || value === '\r' || value === '\n') {
    throw new SluiceRangeError(
      'ERR_SLUICE_OPTION_OUT_OF_RANGE',
      `${name} must be one character other than a quote, CR or LF, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
