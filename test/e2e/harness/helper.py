"""Helper for real-client.sh (Python 3 standard library only).

Subcommands (WORK is the run's private work dir made by real-client.sh):
  prepare IN WORK   check the artefacts in IN, write the configs and state into WORK
  serve WORK        the HTTPS server for https://mta-sts.<domain>/.well-known/mta-sts.txt
  ready WORK        wait until DNS and HTTPS are up; check DNS serves exactly the input records
  socketmap WORK    ask mta-sts-daemon like Postfix does (netstring socketmap), both zones
  verdict WORK      print what happened, then the verdict line: VERDICT {json}
"""
import ast
import http.server
import json
import os
import re
import socket
import ssl
import struct
import sys
import time

DNS_ADDR = '127.0.0.1'     # dnsmasq, port 53
HTTPS_ADDR = '127.0.0.10'  # mta-sts.<domain>, port 443
DAEMON_ADDR = ('127.0.0.1', 8461)
WELL_KNOWN = '/.well-known/mta-sts.txt'
ZONES = ('postfix', 'strict')  # the daemon's default zone, and one with strict_testing
DOMAIN_RE = re.compile(r'^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$')


def fail(msg):
    print('harness: ' + msg, file=sys.stderr)
    sys.exit(2)


def path(w, *p):
    return os.path.join(w, *p)


def read(p, default=None, mode='r'):
    try:
        with open(p, mode) as f:
            return f.read()
    except FileNotFoundError:
        return default


def write(p, data):
    with open(p, 'wb' if isinstance(data, bytes) else 'w') as f:
        f.write(data)


def state(w):
    return json.loads(read(path(w, 'state.json')))


def records(p):
    """One TXT RR per line of the file: the raw value (not zone-file quoted)."""
    raw = read(p, mode='rb')
    if raw is None:
        fail('missing ' + p)
    out = [ln.decode('ascii', 'strict') for ln in raw.split(b'\n') if ln]
    for v in out:
        if len(v) > 255 or any(ord(c) < 0x20 or ord(c) == 0x7f for c in v):
            fail('%s: a TXT value must be one printable character-string of at most 255 bytes: %r' % (p, v))
    return out


def cmd_prepare(src, w):
    domain = (read(path(src, 'domain')) or '').strip()
    if not DOMAIN_RE.match(domain):
        fail('%s/domain: not a lower-case domain name: %r' % (src, domain))
    body = read(path(src, 'policy'), mode='rb')
    if body is None:
        fail('missing %s/policy' % src)
    content_type = read(path(src, 'content-type'), 'text/plain').strip('\r\n')
    cert_name = (read(path(src, 'cert-name')) or 'mta-sts.' + domain).strip()
    if not DOMAIN_RE.match(cert_name):
        fail('%s/cert-name: not a domain name: %r' % (src, cert_name))
    sts, rpt = records(path(src, 'mta-sts.record')), records(path(src, 'tlsrpt.record'))
    # A domain on external DNS: "<delegation zone> <routing endpoint>". Its names are then CNAMEs,
    # as the user makes them at their provider: the TXT records live in the delegation zone and
    # mta-sts.<domain> leads to the routing endpoint, which has the HTTPS server's address.
    delegation = (read(path(src, 'delegation')) or '').split()
    if delegation and (len(delegation) != 2 or not all(DOMAIN_RE.match(n) for n in delegation)):
        fail('%s/delegation: "<delegation zone> <routing endpoint>", two domain names: %r' % (src, delegation))
    write(path(w, 'policy'), body)

    def q(v):  # a quoted value in dnsmasq's config file (a comma inside quotes stays in the string)
        return '"' + v.replace('\\', '\\\\').replace('"', '\\"') + '"'
    conf = ['port=53', 'listen-address=' + DNS_ADDR, 'bind-interfaces', 'no-resolv', 'no-hosts',
            'user=root', 'group=', 'pid-file=', 'local=/%s/' % domain, 'log-queries',
            'log-facility=' + path(w, 'dnsmasq.log')]
    if delegation:
        zone, endpoint = delegation
        conf += ['local=/%s/' % zone, 'local=/%s/' % endpoint, 'host-record=%s,%s' % (endpoint, HTTPS_ADDR),
                 'cname=mta-sts.%s,%s' % (domain, endpoint), 'cname=_mta-sts.%s,_mta-sts.%s.%s' % (domain, domain, zone)]
        if rpt:
            conf += ['cname=_smtp._tls.%s,_smtp._tls.%s.%s' % (domain, domain, zone)]
        txt_at = lambda name: '%s.%s' % (name, zone)
    else:
        conf += ['host-record=mta-sts.%s,%s' % (domain, HTTPS_ADDR)]
        txt_at = lambda name: name
    conf += ['txt-record=%s,%s' % (txt_at('_mta-sts.' + domain), q(v)) for v in sts]
    conf += ['txt-record=%s,%s' % (txt_at('_smtp._tls.' + domain), q(v)) for v in rpt]
    write(path(w, 'dnsmasq.conf'), '\n'.join(conf) + '\n')

    # What gets bind-mounted over /etc inside the namespace: DNS goes to dnsmasq only.
    os.makedirs(path(w, 'etc'))
    write(path(w, 'etc', 'resolv.conf'), 'nameserver %s\noptions timeout:1 attempts:3\n' % DNS_ADDR)
    write(path(w, 'etc', 'hosts'), '127.0.0.1 localhost\n::1 localhost\n')
    nss = [ln for ln in (read('/etc/nsswitch.conf') or '').splitlines() if not ln.startswith('hosts:')]
    write(path(w, 'etc', 'nsswitch.conf'), '\n'.join(nss + ['hosts: files dns']) + '\n')

    write(path(w, 'daemon.yml'),
          'host: %s\nport: %d\nreuse_port: true\nshutdown_timeout: 1\n'
          'cache:\n  type: internal\n  options:\n    cache_size: 10\n'
          'default_zone:\n  strict_testing: false\n  timeout: 4\n'
          'zones:\n  strict:\n    strict_testing: true\n    timeout: 4\n' % DAEMON_ADDR)
    write(path(w, 'state.json'), json.dumps(dict(
        domain=domain, content_type=content_type, cert_name=cert_name, sts=sts, tlsrpt=rpt)))
    write(path(w, 'env.sh'), 'DOMAIN=%s\nCERT_NAME=%s\n' % (domain, cert_name))


def cmd_serve(w):
    st = state(w)
    body = read(path(w, 'policy'), mode='rb')
    log = open(path(w, 'https.log'), 'a', buffering=1)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(path(w, 'pki', 'leaf.pem'), path(w, 'pki', 'leaf.key'))

    def log_sni(sock, name, c):
        log.write('tls: SNI %s\n' % name)
    ctx.sni_callback = log_sni

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def do_GET(self):
            if self.path == WELL_KNOWN:
                # The exact bytes, and the Content-Type exactly as given (none when empty).
                hdrs = [('Content-Type', st['content_type'])] if st['content_type'] else []
                self.reply(200, body, hdrs)
            else:
                self.reply(404, b'not found\n', [('Content-Type', 'text/plain')])

        def reply(self, code, data, hdrs):
            self.send_response(code)
            for k, v in hdrs:
                self.send_header(k, v)
            self.send_header('Content-Length', str(len(data)))
            self.send_header('Connection', 'close')
            self.end_headers()
            self.wfile.write(data)
            self.close_connection = True

        def log_message(self, fmt, *args):
            log.write('http: GET from %s, User-Agent %r: %s\n'
                      % (self.client_address[0], self.headers.get('User-Agent'), fmt % args))

    class Server(http.server.HTTPServer):
        def server_bind(self):  # no getfqdn(): it would be a reverse DNS lookup
            http.server.socketserver.TCPServer.server_bind(self)
            self.server_name, self.server_port = 'mta-sts.' + st['domain'], 443

        def get_request(self):
            sock, addr = self.socket.accept()
            sock.settimeout(10)
            try:
                return ctx.wrap_socket(sock, server_side=True), addr
            except (ssl.SSLError, OSError) as e:
                log.write('tls: handshake failed: %s\n' % e)
                sock.close()
                raise

    srv = Server((HTTPS_ADDR, 443), Handler)
    write(path(w, 'https.ready'), '')
    srv.serve_forever()


def dns_txt(name, deadline):
    """A raw DNS query (TXT, with EDNS0) to dnsmasq: the answer's values, strings joined."""
    qname = b''.join(bytes([len(x)]) + x for x in name.encode().split(b'.')) + b'\0'
    qid = os.urandom(2)
    pkt = qid + struct.pack('>HHHHH', 0x0100, 1, 0, 0, 1) + qname + struct.pack('>HH', 16, 1)
    pkt += b'\0' + struct.pack('>HHIH', 41, 4096, 0, 0)
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.2)
            try:
                s.sendto(pkt, (DNS_ADDR, 53))
                d = s.recv(65535)
                if d[:2] == qid:
                    break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.02)
    ancount = struct.unpack('>H', d[6:8])[0]

    def skip_name(i):
        while d[i] and d[i] & 0xc0 != 0xc0:
            i += 1 + d[i]
        return i + (2 if d[i] else 1)
    i = skip_name(12) + 4
    out = []
    for _ in range(ancount):
        i = skip_name(i)
        rtype, _, _, rdlen = struct.unpack('>HHIH', d[i:i + 10])
        i += 10
        if rtype == 16:
            j, parts = i, []
            while j < i + rdlen:
                parts.append(d[j + 1:j + 1 + d[j]])
                j += 1 + d[j]
            out.append(b''.join(parts).decode('ascii', 'replace'))
        i += rdlen
    return out


def cmd_ready(w):
    st = state(w)
    deadline = time.time() + 10
    ok = True
    for name, want in (('_mta-sts.' + st['domain'], st['sts']), ('_smtp._tls.' + st['domain'], st['tlsrpt'])):
        got = dns_txt(name, deadline)
        print('dns: %s TXT %s' % (name, json.dumps(got)))
        if sorted(got) != sorted(want):
            ok = False
            print('dns: MISMATCH: dnsmasq serves %r for %s, the input was %r' % (got, name, want))
    while not os.path.exists(path(w, 'https.ready')):
        if time.time() > deadline:
            print('https: the server did not start')
            sys.exit(1)
        time.sleep(0.02)
    mark(w, 'client', deadline)
    sys.exit(0 if ok else 1)


def mark(w, section, deadline):
    """Mark where a section starts in the DNS log (a query for a marker name) and the HTTPS log."""
    dns_txt('%s-starts-here.%s' % (section, state(w)['domain']), deadline)
    with open(path(w, 'https.log'), 'a') as f:
        f.write('mark: %s\n' % section)


def cmd_socketmap(w):
    """The request Postfix sends: netstring '<zone> <domain>'; the reply is a netstring."""
    domain = state(w)['domain']
    deadline = time.time() + 15
    mark(w, 'daemon', deadline)
    for zone in ZONES:
        req = ('%s %s' % (zone, domain)).encode()
        while True:
            try:
                s = socket.create_connection(DAEMON_ADDR, timeout=15)
                break
            except OSError:
                if time.time() > deadline:
                    print('%s\tERROR: mta-sts-daemon is not listening' % zone)
                    return
                time.sleep(0.05)
        with s:
            s.sendall(b'%d:%s,' % (len(req), req))
            buf = b''
            while True:
                m = re.match(rb'(\d+):', buf)
                if m and len(buf) > m.end() + int(m.group(1)):
                    break
                chunk = s.recv(4096)
                if not chunk:
                    break
                buf += chunk
        m = re.match(rb'(\d+):', buf)
        reply = buf[m.end():m.end() + int(m.group(1))].decode() if m else 'ERROR: bad reply %r' % buf
        print('%s\t%s' % (zone, reply))


def sections(w):
    """The DNS queries and HTTPS log lines seen during each section (client, daemon)."""
    out = {'client': ([], []), 'daemon': ([], [])}
    cur = None
    for m in re.finditer(r'query\[(\w+)\] (\S+) from', read(path(w, 'dnsmasq.log')) or ''):
        sec = m.group(2).split('-starts-here.')[0] if '-starts-here.' in m.group(2) else None
        if sec in out:
            cur = sec
        elif cur:
            out[cur][0].append(m.group(1) + ' ' + m.group(2))
    cur = None
    for ln in (read(path(w, 'https.log')) or '').splitlines():
        if ln.startswith('mark: '):
            cur = ln[6:]
        elif cur:
            out[cur][1].append(ln)
    return out


def cmd_verdict(w):
    st = state(w)
    print('== real MTA-STS client (postfix-mta-sts-resolver) for %s' % st['domain'])
    for ln in (read(path(w, 'ready.out')) or '').splitlines():
        print('   ' + ln)
    print('   https: Content-Type %s, certificate for %s' % (json.dumps(st['content_type']), st['cert_name']))
    seen = sections(w)

    def show(sec):
        dns, https = seen[sec]
        print('   dns queries: ' + (', '.join(dns) or '(none)'))
        for ln in https:
            print('   ' + ln)
    print('-- mta-sts-query -v debug %s  (exit %s)' % (st['domain'], (read(path(w, 'client.rc')) or '?').strip()))
    show('client')
    err = (read(path(w, 'client.err')) or '').splitlines()
    for ln in err:
        print('   stderr: ' + ln)
    out = (read(path(w, 'client.out')) or '').strip().splitlines()
    raw = out[-1] if out else ''
    print('   stdout: ' + raw)
    result = {'client': 'NO_OUTPUT', 'id': None, 'policy': None}
    m = re.match(r'^\(<STSFetchResult\.([A-Z_]+): \d+>, (.*)\)$', raw)
    if m:
        result['client'] = m.group(1)
        try:
            rest = ast.literal_eval(m.group(2))
            if rest:
                result['id'], result['policy'] = rest
        except (ValueError, SyntaxError):
            result['client'] = 'UNPARSEABLE'
    warnings = [ln.split('RES: ', 1)[-1] for ln in err if 'WARNING' in ln]
    result['client_said'] = warnings[-1] if warnings else None
    https = seen['client'][1]
    result['policy_requests'] = sum(1 for ln in https if ln.startswith('http:') and WELL_KNOWN in ln)
    result['tls_failures'] = sum(1 for ln in https if ln.startswith('tls: handshake failed'))
    result['daemon'] = {}
    if read(path(w, 'socketmap.out')) is not None:
        print('-- mta-sts-daemon, asked over its socketmap like Postfix does')
        show('daemon')
        for ln in read(path(w, 'socketmap.out')).splitlines():
            zone, _, reply = ln.partition('\t')
            result['daemon'][zone] = reply
            print('   %s %s -> %r' % (zone, st['domain'], reply))
    print('VERDICT ' + json.dumps(result, sort_keys=True))


if __name__ == '__main__':
    cmd, args = sys.argv[1], sys.argv[2:]
    {'prepare': cmd_prepare, 'serve': cmd_serve, 'ready': cmd_ready,
     'socketmap': cmd_socketmap, 'verdict': cmd_verdict}[cmd](*args)
