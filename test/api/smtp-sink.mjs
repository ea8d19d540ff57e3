// A real SMTP server in its own process for the mail tests (rule RG9): it accepts mail for
// anyone from a client that logs in with the user and password given as arguments, and
// prints one JSON line per event on stdout: {"listening": port}, then {"mail": {...}}.
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { SMTPServer } from 'smtp-server';

const [user = 'parley', pass = 'secret'] = process.argv.slice(2);

function start(attempt) {
  // Below 32768: the ephemeral range where port-0 listeners of other tests land.
  const port = 20_000 + Math.floor(Math.random() * 12_768);
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    banner: 'parley test sink',
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === pass) callback(null, { user });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks = [];
      stream.on('data', (chunk) => chunks.push(chunk));
      stream.on('end', () => {
        const mail = {
          user: session.user ?? null,
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks).toString('utf8'),
        };
        process.stdout.write(`${JSON.stringify({ mail })}\n`);
        callback();
      });
    },
  });
  server.on('error', (err) => {
    if (err.code === 'EADDRINUSE' && attempt < 20) start(attempt + 1);
    else {
      process.stderr.write(`${err.stack ?? err}\n`);
      process.exit(1);
    }
  });
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ listening: port })}\n`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

start(1);
