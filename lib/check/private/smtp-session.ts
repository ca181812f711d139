import { Socket } from 'node:net';

/** One SMTP reply: its code and its text lines (without the code and separator). */
export interface SmtpReply {
  readonly code: number;
  readonly lines: string[];
}

/** The most bytes of replies kept waiting: a server that sends more without a line end is cut off. */
const MAX_PENDING_BYTES = 64 * 1024;

/**
 * Reads SMTP replies (RFC 5321 section 4.2: `code-text` continuation lines, `code text` last
 * line) from a plain socket. Each `read()` resolves with the next complete reply, or rejects
 * when the socket closes or errors first. Detach it before handing the socket to TLS.
 */
export class SmtpReplyReader {
  private buffer = '';
  private readonly replies: SmtpReply[] = [];
  private pending: string[] = [];
  private waiter?: { resolve: (r: SmtpReply) => void; reject: (e: Error) => void };
  private failure?: Error;
  private readonly onData = (chunk: Buffer) => this.feed(chunk.toString('latin1'));
  private readonly onClose = () => this.fail(new Error('the server closed the connection'));
  private readonly onError = (e: Error) => this.fail(e);

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
  }

  /** The next reply. */
  read(): Promise<SmtpReply> {
    const next = this.replies.shift();
    if (next) return Promise.resolve(next);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Sends one command line (CRLF added). */
  send(line: string): void {
    this.socket.write(line + '\r\n');
  }

  /** Stops reading: the socket is about to carry TLS. */
  detach(): void {
    this.socket.removeListener('data', this.onData);
    this.socket.removeListener('close', this.onClose);
    this.socket.removeListener('error', this.onError);
  }

  private feed(text: string): void {
    this.buffer += text;
    if (this.buffer.length > MAX_PENDING_BYTES) {
      this.fail(new Error(`the server sent more than ${MAX_PENDING_BYTES} bytes without completing a reply`));
      this.socket.destroy();
      return;
    }
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, '');
      this.buffer = this.buffer.slice(nl + 1);
      const m = /^(\d{3})([ -]?)(.*)$/.exec(line);
      if (!m) {
        this.fail(new Error(`the server sent a line that is not an SMTP reply: ${JSON.stringify(line.slice(0, 80))}`));
        this.socket.destroy();
        return;
      }
      this.pending.push(m[3]);
      if (m[2] !== '-') {
        this.deliver({ code: Number(m[1]), lines: this.pending });
        this.pending = [];
      }
    }
  }

  private deliver(reply: SmtpReply): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve(reply);
    } else {
      this.replies.push(reply);
    }
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.reject(e);
    }
  }
}
