// The tables as repositories see them. Both dialects define the same columns with the
// same TypeScript types; the PostgreSQL definitions are the ones the type checker reads
// (db/database.ts explains why that is safe for SQLite too).
import type * as pg from './pg.ts';

export type Tables = typeof pg;

export type UserRow = typeof pg.users.$inferSelect;
export type ApiKeyRow = typeof pg.apiKeys.$inferSelect;
export type AlbumRow = typeof pg.albums.$inferSelect;
export type CategoryRow = typeof pg.categories.$inferSelect;
export type ImageRow = typeof pg.images.$inferSelect;
export type NewImageRow = typeof pg.images.$inferInsert;
export type SessionRow = typeof pg.sessions.$inferSelect;
export type AlbumPrivacy = AlbumRow['privacy'];
export type BaselineSetRow = typeof pg.baselineSets.$inferSelect;
export type BaselineFileRow = typeof pg.baselineFiles.$inferSelect;
export type ComparisonRow = typeof pg.comparisons.$inferSelect;
export type ComparisonFileRow = typeof pg.comparisonFiles.$inferSelect;
export type NewComparisonFileRow = typeof pg.comparisonFiles.$inferInsert;
export type InviteRow = typeof pg.invites.$inferSelect;
export type PasswordResetRow = typeof pg.passwordResets.$inferSelect;
export type BannedAddressRow = typeof pg.bannedAddresses.$inferSelect;
