import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Router } from 'express';
import type { AegisAuth } from '../auth';
import type { Services } from '../services';
import type { ServiceHooks } from '../services/deps';
import { createChannelService, type ChannelService } from './channels';
import { deriveKeys } from './crypto';
import { createDispatcher } from './dispatcher';
import { loadNotifyEnv } from './env';
import { notifyRouter } from './http';
import { createMailer } from './senders';
import { createNotifyRepos } from '../data/repos/notify.repo';

export type { ChannelService } from './channels';

export interface Notifier {
  channels: ChannelService;
  /** Mounted at /notify: confirmation pages, link decisions, Slack's interactive callback. */
  router: Router;
  close(): Promise<void>;
}

/**
 * Approvals in chat and e-mail (issue 23): channels, the delivery queue, signed decision links,
 * escalation. Everything it needs to remember lives in the database, so any server can finish
 * what another started.
 */
export async function createNotifier(opts: {
  connection: Connection;
  services: Services;
  auth: AegisAuth;
  hooks: ServiceHooks;
  bindingSecret: Buffer;
  publicUrl: string;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
}): Promise<Notifier> {
  const env = loadNotifyEnv(opts.env);
  const keys = deriveKeys(opts.bindingSecret);
  const { store, approvals: approvalsRepo } = await createNotifyRepos(opts.connection);
  const mailer = createMailer(env.AEGIS_SMTP_URL);
  const logger = opts.logger.child({ component: 'notify' });
  const dispatcher = createDispatcher({
    store,
    // Its own handle on the approvals collection: the escalation claim is the notifier's query.
    approvalsRepo,
    approvals: opts.services.approvals,
    keys,
    env,
    mailer,
    publicUrl: opts.publicUrl.replace(/\/+$/, ''),
    logger,
  });
  opts.hooks.approvalOpened = (doc) => {
    dispatcher
      .approvalOpened(doc)
      .catch((error: unknown) =>
        logger.warn({ err: error, approval: doc.id }, 'could not queue notifications'),
      );
  };
  opts.hooks.channelNames = async () => (await store.channels()).map((c) => c.name);
  return {
    channels: createChannelService(store, keys, dispatcher, opts.services.audit, {
      smtp: env.AEGIS_SMTP_URL !== undefined,
      rulesNaming: (name) => opts.services.policies.rulesNaming(name),
      exclusive: (task) => opts.services.policies.withChannelUseLocked(task),
    }),
    router: notifyRouter({ store, keys, services: opts.services, auth: opts.auth }),
    async close() {
      opts.hooks.approvalOpened = undefined;
      opts.hooks.channelNames = undefined;
      await dispatcher.close();
      mailer?.close();
    },
  };
}
