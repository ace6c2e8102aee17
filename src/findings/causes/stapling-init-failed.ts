/**
 * `stapling-init-failed`: Apache turned stapling off for a certificate at start-up and the line that
 * says why is not in the input. Sources: Apache AH02604 "Unable to configure certificate … for stapling"
 * (modules/ssl/ssl_engine_init.c, 2.4.8+; AH02235 in 2.3.16–2.4.7) and AH02567 (ssl_util_stapling.c).
 */
import { step, type CauseModule } from './kit.js';

export const staplingInitFailed: CauseModule = {
  id: 'stapling-init-failed',
  title: 'Stapling disabled at start-up (reason not in the log)',
  meaning:
    'Apache turned stapling off for a certificate at start-up, but the line that says why (AH02217, AH02218, …) is not in the input. Added to the vocabulary because the summary line alone still means clients get no staple.',
  brief: { apache: "Read the lines just before it in that virtual host's ErrorLog; fix what they name.", nginx: null },
  captured: 'Apache 2.4.68 (an AH02604 whose reason line is cut off)',
  inspections: [],
  messages: {
    default: (c) => `Apache turned OCSP stapling off for ${c.cert} at start-up; the line that says why is not in the input.`,
  },
  fix: (c) => ({
    summary: 'Find the reason in the lines before the summary line.',
    steps: [
      step({
        action: 'check',
        text: `Look just above this line in ${c.s.vhost ? `the ErrorLog of ${c.s.vhost}` : 'the ErrorLog'} for AH02217/AH02218/AH02814/AH02815 and fix what it names; run stapling-doctor on the whole log.`,
      }),
    ],
  }),
};
