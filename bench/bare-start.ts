// The cold-start baseline: a bare Elysia app with sharp loaded, answering /healthz.
import { Elysia } from 'elysia';
import sharp from 'sharp';

sharp.concurrency();
new Elysia()
  .get('/healthz', () => ({ ok: true }))
  .listen({
    port: Number(process.env.PORT),
    hostname: '127.0.0.1',
  });
