import { defineConfig } from 'drizzle-kit';

// One migration folder per dialect: `bun run db:generate` writes both.
const dialect = process.env.DRIZZLE_DIALECT === 'postgresql' ? 'postgresql' : 'sqlite';

export default defineConfig(
  dialect === 'postgresql'
    ? { dialect, schema: './src/db/schema/pg.ts', out: './drizzle/pg' }
    : { dialect, schema: './src/db/schema/sqlite.ts', out: './drizzle/sqlite' },
);
