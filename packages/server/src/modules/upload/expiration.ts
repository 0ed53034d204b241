import { ApiErrors, Limits } from '@upshot/schema';
import { parse as parseDuration } from 'tinyduration';
import { ApiError } from '../../http/api-error.ts';

/** The moment an ISO 8601 duration after `from` falls on, calendar-aware for months and years. */
export function addDuration(from: Date, text: string): Date {
  const d = parseDuration(text);
  const parts = [d.years, d.months, d.weeks, d.days, d.hours, d.minutes, d.seconds];
  if (d.negative || parts.some((n) => n !== undefined && n < 0))
    throw new RangeError('negative duration');
  const at = new Date(from.getTime());
  // Jan 31 + P1M is the last day of February, not March 3.
  const months = at.getUTCMonth() + (d.years ?? 0) * 12 + (d.months ?? 0);
  const lastDay = new Date(Date.UTC(at.getUTCFullYear(), months + 1, 0)).getUTCDate();
  at.setUTCFullYear(at.getUTCFullYear(), months, Math.min(at.getUTCDate(), lastDay));
  const seconds =
    ((d.weeks ?? 0) * 7 + (d.days ?? 0)) * 86_400 +
    (d.hours ?? 0) * 3_600 +
    (d.minutes ?? 0) * 60 +
    (d.seconds ?? 0);
  return new Date(at.getTime() + seconds * 1000);
}

/**
 * `expiration` (CONTRACT.md §7): seconds to live, or null for none. Digits are seconds;
 * otherwise an ISO 8601 duration. Clamped to 5 minutes .. 1 year.
 */
export function parseExpiration(text: string | undefined, now: Date): number | null {
  const value = text?.trim() ?? '';
  if (value === '' || /^0+$/.test(value)) return null;
  let seconds: number;
  if (/^\d+$/.test(value)) {
    seconds = Number(value);
  } else {
    try {
      seconds = (addDuration(now, value.toUpperCase()).getTime() - now.getTime()) / 1000;
    } catch {
      throw new ApiError(ApiErrors.invalidExpiration);
    }
    if (seconds <= 0) return null;
  }
  return Math.round(
    Math.min(Limits.expirationMaxSeconds, Math.max(Limits.expirationMinSeconds, seconds)),
  );
}

/** Guests may ask for less than the policy; more, or none, is capped to it. */
export function applyGuestPolicy(seconds: number | null, policySeconds: number): number {
  return seconds === null ? policySeconds : Math.min(seconds, policySeconds);
}
