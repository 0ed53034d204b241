import { Limits } from '@upshot/schema';
import { parse as parseDuration } from 'tinyduration';
import { Refusal } from '../errors.ts';

/** Sane bound for each ISO 8601 part, so no arithmetic below can overflow. */
const MAX_PART = 1_000_000;

/**
 * The moment an ISO 8601 duration after `from` falls on, calendar-aware for months and
 * years. Throws RangeError for a negative duration or a part too large to mean anything.
 */
export function addDuration(from: Date, text: string): Date {
  const d = parseDuration(text);
  const parts = [d.years, d.months, d.weeks, d.days, d.hours, d.minutes, d.seconds];
  if (d.negative || parts.some((n) => n !== undefined && (!(n >= 0) || n > MAX_PART)))
    throw new RangeError('negative or oversized duration');
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
  const result = new Date(at.getTime() + seconds * 1000);
  if (Number.isNaN(result.getTime())) throw new RangeError('duration out of range');
  return result;
}

/** Seconds from `now` to the end of the duration; throws when it is out of range. */
export function durationSeconds(text: string, now: Date): number {
  return (addDuration(now, text).getTime() - now.getTime()) / 1000;
}

/**
 * `expiration` (docs/api.md §7): seconds to live, or null for none. Digits are seconds;
 * otherwise an ISO 8601 duration. Clamped to 5 minutes .. 1 year; a duration beyond
 * Limits.expirationSaneMaxSeconds (100 years) is not a wish to clamp but a mistake or an
 * attack, and is refused, as is anything that is not a duration.
 */
export function parseExpiration(text: string | undefined, now: Date): number | null {
  const value = text?.trim() ?? '';
  if (value === '' || /^0+$/.test(value)) return null;
  let seconds: number;
  if (/^\d+$/.test(value)) {
    seconds = value.length > 16 ? Number.POSITIVE_INFINITY : Number(value);
  } else {
    try {
      seconds = durationSeconds(value.toUpperCase(), now);
    } catch {
      throw new Refusal('invalid-expiration');
    }
    if (seconds <= 0) return null;
  }
  if (!Number.isFinite(seconds) || seconds > Limits.expirationSaneMaxSeconds) {
    throw new Refusal('invalid-expiration');
  }
  return Math.round(
    Math.min(Limits.expirationMaxSeconds, Math.max(Limits.expirationMinSeconds, seconds)),
  );
}

/** Guests may ask for less than the policy; more, or none, is capped to it. */
export function applyGuestPolicy(seconds: number | null, policySeconds: number): number {
  return seconds === null ? policySeconds : Math.min(seconds, policySeconds);
}
