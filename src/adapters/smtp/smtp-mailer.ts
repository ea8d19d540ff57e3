import nodemailer from 'nodemailer';
import type { Mailer, MailMessage } from '../../ports/mail.js';

/** Where and as whom the node sends mail (flags --smtp-url, --mail-from). */
export interface SmtpOptions {
  /** `smtp://user:pass@host:port` (STARTTLS when the server offers it) or `smtps://` (TLS). */
  url: string;
  /** The From address, e.g. `Parley <parley@example.org>`. */
  from: string;
  /** Milliseconds for connecting, greeting and each command (default 10 s). */
  timeoutMs?: number;
}

/** The Mail port over SMTP with nodemailer: one pooled transport per node. */
export function createSmtpMailer(options: SmtpOptions): Mailer {
  const timeout = options.timeoutMs ?? 10_000;
  const transport = nodemailer.createTransport(
    {
      url: options.url,
      pool: true,
      maxConnections: 2,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    },
    { from: options.from },
  );
  return {
    async send(message: MailMessage): Promise<void> {
      await transport.sendMail({ to: message.to, subject: message.subject, text: message.text });
    },
    close(): void {
      transport.close();
    },
  };
}
