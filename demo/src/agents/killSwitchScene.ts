import { customerSupport } from './customerSupport.js';
import type { DemoAgent } from './types.js';

/**
 * The kill-switch scene: Customer Support handles a second customer; after its first call an
 * operator pauses it, its next two calls are refused as KILLED, then it is revived and the same
 * work goes through. Pause and revival are keyed to call counts, so the scene plays the same on
 * the scripted model and (as far as the model cooperates) on Gemini.
 */
export interface KillSwitchScene {
  agent: DemoAgent;
  /** Pause the agent once this many of its calls have been decided in the scene. */
  pauseAfterCalls: number;
  /** Revive it once this many have been decided. */
  reviveAfterCalls: number;
}

const CUSTOMER = 7;

export const killSwitchScene: KillSwitchScene = {
  agent: {
    ...customerSupport,
    task: `Customer ${CUSTOMER} asked for their balance and last few transactions by text message. Look them up and text back a summary.`,
    scenario: [
      {
        tool: 'lookup_balance',
        args: { customer_id: CUSTOMER },
        thought: 'Looking up the balance.',
        expect: 'ALLOWED',
      },
      {
        tool: 'get_transaction_history',
        args: { customer_id: CUSTOMER, limit: 3 },
        thought: 'Now the last three transactions.',
        expect: 'ALLOWED',
      },
      {
        tool: 'send_notification',
        args: {
          customer_id: CUSTOMER,
          channel: 'sms',
          message: 'Your balance and recent transactions are ready in the app.',
        },
        thought: 'Texting the customer.',
        expect: 'ALLOWED',
      },
      {
        tool: 'get_transaction_history',
        args: { customer_id: CUSTOMER, limit: 3 },
        thought: 'That was refused; trying the transactions again.',
        expect: 'ALLOWED',
      },
      {
        tool: 'send_notification',
        args: {
          customer_id: CUSTOMER,
          channel: 'sms',
          message: 'Your balance and recent transactions are ready in the app.',
        },
        thought: 'And the text message again.',
        expect: 'ALLOWED',
      },
    ],
  },
  pauseAfterCalls: 1,
  reviveAfterCalls: 3,
};
