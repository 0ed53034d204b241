import { afterAll, describe } from 'bun:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalStorage } from '../../src/storage/local.ts';
import { storageContract } from './contract.ts';

describe('local disk storage: the shared storage contract', () => {
  const roots: string[] = [];
  afterAll(() => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))));
  storageContract(async () => {
    const root = await mkdtemp(join(tmpdir(), 'upshot-local-contract-'));
    roots.push(root);
    return createLocalStorage(root);
  });
});
