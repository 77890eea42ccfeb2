import { z } from 'zod';

/** What `demo.seed` wrote into the demo bank; the seed's `POST /demo/seed` answer. */
export const seedCounts = z.object({
  customers: z.number().int(),
  accounts: z.number().int(),
  transactions: z.number().int(),
});
export type SeedCounts = z.infer<typeof seedCounts>;

/**
 * How to reach the database the server uses, for the demo's bank (`demo.store`, admins only).
 * The embedded store answers with its URI: by default a Unix socket on the server's machine that
 * only the server's OS user can connect to, so the answer gives nothing to anyone who could not
 * already read the data directory. A MONGO_URI deployment answers with its hosts only: its
 * credentials are not the API's to hand out, so the demo must be given MONGO_URI itself.
 */
export const storeAccess = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('embedded'),
    uri: z.string().describe('mongodb:// URI of the embedded store, without a database name'),
    socket: z
      .string()
      .nullable()
      .describe("The store's Unix socket on the server's machine; null when it listens on TCP"),
  }),
  z.object({
    kind: z.literal('external'),
    hosts: z.string().describe('The hosts of MONGO_URI, without credentials, database or options'),
  }),
]);
export type StoreAccess = z.infer<typeof storeAccess>;
