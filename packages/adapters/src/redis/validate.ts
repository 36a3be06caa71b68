import { SluiceTypeError } from '@sluice/core';
import { describeValue } from '@sluice/core/kit';

/** A key, group, consumer or id: a non-empty string (Redis would accept a number, but never mean it). */
export function validateName(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_OPTION',
      `${name} must be a non-empty string, got ${describeValue(value)}`,
    );
  }
  return value;
}
