/**
 * The one option table of the CLI. main.ts builds the commander program from it, `--help` is rendered from
 * it, and docs/reference/cli.md is generated from it (scripts/gen-cli-docs.mjs; a test keeps them in sync),
 * so parsing, help and docs cannot drift.
 */

export interface OptionSpec {
  /** commander flags, e.g. '--json' or '-o, --out <file>' */
  readonly flags: string;
  readonly description: string;
  readonly default?: string | boolean | number;
  /** The option may be given several times; the handler receives an array. */
  readonly repeatable?: boolean;
}

export interface CommandSpec {
  readonly name: string;
  /** commander argument syntax, e.g. '[file]' */
  readonly args: string;
  readonly summary: string;
  /** Longer text for the reference docs. */
  readonly details: string;
  readonly options: readonly OptionSpec[];
  readonly examples: readonly string[];
  /** Exit statuses and their meaning. */
  readonly exit: readonly (readonly [number, string])[];
}

export const LIMIT_OPTIONS: readonly OptionSpec[] = [
  { flags: '--max-message-bytes <n>', description: 'largest message accepted', default: 65535 },
  { flags: '--max-headers <n>', description: 'most header lines accepted', default: 256 },
  { flags: '--max-line-bytes <n>', description: 'longest start/header line accepted (folds included)', default: 8192 },
];

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'parse',
    args: '[file]',
    summary: 'Parse one SIP message (or, with --stream, back-to-back messages) and print it',
    details:
      'Reads FILE (or standard input when FILE is `-` or absent). Prints the start line, every header as received ' +
      'with its parsed form when sipclf knows its grammar, and the body length and type. Invalid input prints ' +
      '`error CODE at byte N: message` (codes: docs/reference/errors.md). With --stream the input is framed as a ' +
      'TCP/TLS byte stream (Content-Length mandatory, CRLF keep-alives skipped); each message is parsed in turn. ' +
      'With --strict every header with a known grammar is parsed and checked (RFC 4475 §3.1.2).',
    options: [
      { flags: '--json', description: 'print JSON (one object per message; JSON Lines with --stream)' },
      { flags: '--stream', description: 'frame the input as a stream of messages (RFC 3261 §18.3)' },
      { flags: '--strict', description: 'check every header with a known grammar, not only the eager ones' },
      ...LIMIT_OPTIONS,
    ],
    examples: ['sipclf parse test/vectors/rfc4475/wsinv.dat', 'sipclf parse --json --strict invite.sip', 'cat capture.tcp | sipclf parse --stream -'],
    exit: [
      [0, 'every message parsed'],
      [1, 'a message is invalid (the error is printed)'],
      [2, 'usage error or unreadable input'],
    ],
  },
  {
    name: 'gen',
    args: '',
    summary: 'Write realistic synthetic SIP CLF (RFC 6873) for benchmarks, demos and tests',
    details:
      'Simulates the log of a stateful record-routing proxy: calls arriving at --rate per second (basic, forked with ' +
      'CANCEL of the losing branch, failed, cancelled by the caller), REGISTER with a digest challenge, OPTIONS ' +
      'keep-alives and occasional retransmissions (flag D). Every record carries the whole message as Tag 02; ' +
      '--logme-share of the calls carry the RFC 8497 log-me marker. The output is in time order and the same for ' +
      'the same --seed on every machine. Files are created with mode 0600; a name ending in .gz is gzipped.',
    options: [
      { flags: '--records <n>', description: 'number of records to write' },
      { flags: '-o, --out <file>', description: 'output file, `-` for standard output', default: '-' },
      { flags: '--seed <n>', description: 'random seed', default: 1 },
      { flags: '--rate <n>', description: 'scenarios started per second', default: 40 },
      { flags: '--logme-share <p>', description: 'share of calls marked with log-me (0-1)', default: 0.05 },
      { flags: '--start <date>', description: 'timestamp of the first call (ISO 8601)', default: '2026-01-05T09:00:00Z' },
    ],
    examples: ['sipclf gen --records 100000 -o proxy.clf', 'sipclf gen --records 1000 --seed 7 --logme-share 0.5 | sipclf cat -'],
    exit: [
      [0, 'records written'],
      [2, 'usage error or the output cannot be written'],
    ],
  },
  {
    name: 'validate',
    args: '<files...>',
    summary: 'Check SIP CLF files record by record (RFC 6873)',
    details:
      'Reads every record of every FILE (`-` is standard input; .gz is read transparently) and fully decodes it: ' +
      'record length, index pointers, timestamp, flags, mandatory fields, optional-field syntax and lengths. ' +
      'Prints one `FILE:OFFSET: CODE message` line per problem, resynchronising on the next valid record ' +
      '(RFC 6873 §6), then a summary line on standard error.',
    options: [
      { flags: '--frame-only', description: 'check only the framing (version, length, LFs), as fast as the reader goes' },
      { flags: '--max-record-bytes <n>', description: 'largest record accepted', default: 1048576 },
      { flags: '-q, --quiet', description: 'print only the summary' },
    ],
    examples: ['sipclf validate /var/log/sipclf/*.clf', 'zcat old.clf.gz | sipclf validate -'],
    exit: [
      [0, 'every record is valid'],
      [1, 'at least one problem was found'],
      [2, 'usage error or unreadable input'],
    ],
  },
  {
    name: 'cat',
    args: '<files...>',
    summary: 'Print SIP CLF records as aligned columns or as JSON Lines',
    details:
      'Human columns: time, flags, direction arrow, source and destination, CSeq, status or Request-URI, Call-ID ' +
      '(and any --fields). With --json, one object per record as documented in docs/reference/clf-json.md ' +
      '(lossless: `sipclf convert` turns it back into CLF). Damaged records are reported on standard error ' +
      'and skipped.',
    options: [
      { flags: '--json', description: 'JSON Lines (docs/reference/clf-json.md)' },
      { flags: '--fields <list>', description: 'comma-separated columns: time,flags,src,dst,cseq,status,ruri,from,fromtag,to,totag,callid,stxn,ctxn,logme' },
      { flags: '--utc', description: 'print times in UTC instead of local time' },
      { flags: '-f, --follow', description: 'keep reading as records are appended, across rotation (like tail -f); one file only' },
    ],
    examples: ['sipclf cat proxy.clf', 'sipclf cat --json proxy.clf | jq .callId', 'sipclf cat --fields time,cseq,status,callid a.clf b.clf'],
    exit: [
      [0, 'all records printed'],
      [1, 'damaged records were skipped'],
      [2, 'usage error or unreadable input'],
    ],
  },
  {
    name: 'grep',
    args: '<files...>',
    summary: 'Select SIP CLF records by field-exact matches',
    details:
      'Every criterion compares a whole field, never a substring of another field; several criteria must all ' +
      'match. --session-id matches the local or remote UUID of the Session-ID header in the logged message ' +
      '(Tag 02 or a Tag 00 header); --test-case matches every record of the session whose initial request carried ' +
      'that local UUID (RFC 8497 §3.3). --txn matches Server-Txn or Client-Txn and --dialog matches Call-ID plus ' +
      'both tags in either order (RFC 6872 §9). Output is raw CLF, so it pipes into other sipclf commands.',
    options: [
      { flags: '--call-id <id>', description: 'Call-ID equals' },
      { flags: '--session-id <uuid>', description: 'Session-ID local or remote UUID equals (RFC 7989)' },
      { flags: '--test-case <uuid>', description: 'records of the session whose initial request had this local UUID (RFC 8497 §3.3)' },
      { flags: '--dialog <callid,tag,tag>', description: 'Call-ID and both tags, either order' },
      { flags: '--txn <id>', description: 'Server-Txn or Client-Txn equals' },
      { flags: '--method <m>', description: 'CSeq method equals (case-insensitive)' },
      { flags: '--status <code>', description: 'status code, or a class such as 4xx' },
      { flags: '--from <uri>', description: 'From URI equals' },
      { flags: '--to <uri>', description: 'To URI equals' },
      { flags: '--since <time>', description: 'at or after (ISO 8601 or epoch seconds)' },
      { flags: '--until <time>', description: 'before (ISO 8601 or epoch seconds)' },
      { flags: '--logme', description: 'only messages carrying the RFC 8497 log-me marker' },
      { flags: '--direction <s|r>', description: 'sent or received' },
      { flags: '-c, --count', description: 'print the number of matching records only' },
      { flags: '--json', description: 'print JSON Lines instead of CLF' },
    ],
    examples: ['sipclf grep --call-id a84b4c76e66710 proxy.clf', 'sipclf grep --status 5xx --since 2026-01-05T09:00Z *.clf | sipclf stats -'],
    exit: [
      [0, 'at least one record matched'],
      [1, 'no record matched'],
      [2, 'usage error or unreadable input'],
    ],
  },
  {
    name: 'merge',
    args: '<files...>',
    summary: 'Merge the CLF logs of several entities into one, ordered by time',
    details:
      'A streaming k-way merge by timestamp, stable (records with equal timestamps keep their file order), in ' +
      'bounded memory. Each output record keeps which entity logged it in the vendor optional field 10@32473 ' +
      '(docs/reference/clf-format.md); the label is the file name without extension unless --label gives one, ' +
      'and a record that already carries a label keeps it. --dedup drops a record byte-identical to one already ' +
      'written for the same entity.',
    options: [
      { flags: '-o, --out <file>', description: 'output file (mode 0600), `-` for standard output', default: '-' },
      { flags: '--label <file=name>', description: 'entity label for a file (repeatable)', repeatable: true },
      { flags: '--dedup', description: 'drop byte-identical records of the same entity' },
    ],
    examples: ['sipclf merge edge.clf border-a.clf border-b.clf -o trail.clf', 'sipclf merge --label a.clf=edge --label b.clf=border a.clf b.clf'],
    exit: [
      [0, 'merged'],
      [1, 'damaged records were skipped'],
      [2, 'usage error or unreadable input'],
    ],
  },
  {
    name: 'flow',
    args: '<files...>',
    summary: 'Draw the ladder diagram of one session from the CLF logs of several entities',
    details:
      'Reads the CLF logs of the proxy, the UAs and any capture (an entity is named by its 10@32473 label from ' +
      '`sipclf merge`, else by the file name without extension, else by its address), groups one session — the ' +
      'dialogs linked by Session-ID UUIDs, Call-ID and transaction ids —, matches each message one entity sent with ' +
      'the same message the next one received (same Call-ID, CSeq, method or status, tags and top-Via branch) so it ' +
      'is drawn once, and draws a ladder: one column per entity, arrows with UTC times and deltas, `*` on messages ' +
      'that carry logme, `!` on marking errors (a message of a marked dialog without the marker), `?` on messages ' +
      'logged by one side only. Without a selector the first session is drawn and the others are listed on ' +
      'standard error. Rules and examples: docs/guides/flow.md.',
    options: [
      { flags: '--call-id <id>', description: 'the session holding this Call-ID' },
      { flags: '--session-id <uuid>', description: 'the session holding this Session-ID UUID (local or remote)' },
      { flags: '--test-case <uuid>', description: 'the RFC 8497 §3.3 test case (the rule of sipclf grep --test-case)' },
      { flags: '--format <fmt>', description: 'text, json, html or svg (html and svg are standalone files)', default: 'text' },
      { flags: '--name <addr=name>', description: 'name the column of a peer that logged nothing: 192.0.2.7:5060=alice (or the IP alone)', repeatable: true },
    ],
    examples: [
      'sipclf flow alice.clf proxy.clf bob.clf',
      'sipclf flow --test-case ab30317f1a784dc48ff824d0d3715d86 --format html trail.clf > call.html',
      'sipclf flow --call-id a84b4c76e66710@pc33 --format json *.clf | jq .messages',
    ],
    exit: [
      [0, 'the flow was drawn'],
      [1, 'no message matches the selector, or damaged records were skipped'],
      [2, 'usage error or unreadable input'],
    ],
  },
  {
    name: 'stats',
    args: '<files...>',
    summary: 'Counts, timings and trends from SIP CLF logs',
    details:
      'Message counts by method and status class, retransmissions, log-me marked messages, per INVITE transaction ' +
      'the time to the first provisional (other than 100 Trying) and to the final response (min, median, p95, ' +
      'max), initial INVITEs per hour and the top Request-URI domains — the troubleshooting and trend questions of ' +
      'the SIP CLF problem statement. One streaming pass in bounded memory.',
    options: [
      { flags: '--json', description: 'print the report as JSON' },
      { flags: '--by <dimension>', description: 'one breakdown only: hour, method, status or domain' },
    ],
    examples: ['sipclf stats proxy.clf', 'sipclf stats --by status --json *.clf.gz'],
    exit: [
      [0, 'report printed'],
      [1, 'damaged records were skipped'],
      [2, 'usage error or unreadable input'],
    ],
  },
  {
    name: 'capture',
    args: '',
    summary: 'Collect HEP v3 from capture agents (Kamailio, OpenSIPS, FreeSWITCH, Asterisk, heplify) into rotated SIP CLF files',
    details:
      'Receives HEP v3 over UDP and/or TCP (HEP over a stream, framed by each packet\'s total length) on the --hep ' +
      'addresses only, and writes one CLF record per SIP message with ClfWriter (files mode 0600; --max-bytes, --interval, ' +
      '--gzip, --max-files rotate and prune them), in DIR or, with --per-agent, in DIR/AGENT/ (AGENT: the node name of ' +
      'chunk 0x0013, else id-N from the capture id 0x000c). Viewpoint: a neutral mirror, so every message is logged once, ' +
      'as received by its destination — direction R, Source and Destination from the HEP chunks, retransmission flag S ' +
      '(not detected), Tag 02 the whole message, 10@32473 the agent (docs/guides/feeding-sipclf.md). With --auth-key, ' +
      'packets whose auth key chunk (0x000e) differs are dropped and counted. Bad HEP and non-SIP payloads are counted ' +
      'per error code, never fatal. The values of SDP key material (a=crypto, a=key-mgmt, a=3GPP-Integrity-Key, ' +
      'a=3GPP-SRTP-Config, k=) are masked with X before they are logged (RFC 8497 §8.2), unless --keep-keys. Under overload packets are dropped and counted, never buffered without bound. ' +
      '--metrics serves Prometheus counters per agent on /metrics and a JSON /health. SIGTERM or SIGINT flushes the ' +
      'files and exits 0 with a summary on standard error.',
    options: [
      { flags: '--hep <proto:host:port>', description: 'listen for HEP: udp:HOST:PORT or tcp:HOST:PORT, IPv6 as [addr]', repeatable: true },
      { flags: '-o, --out <dir>', description: 'directory of the CLF files (created 0700)' },
      { flags: '--per-agent', description: 'one stream per capture agent, in DIR/AGENT/' },
      { flags: '--auth-key <key>', description: 'accept only packets carrying this auth key (chunk 0x000e)' },
      { flags: '--metrics <host:port>', description: 'serve /metrics (Prometheus) and /health here, e.g. 127.0.0.1:9100' },
      { flags: '--max-bytes <n>', description: 'rotate before a file would exceed N bytes' },
      { flags: '--interval <d>', description: 'rotate at wall-clock boundaries: 30s, 15m, 1h, 1d' },
      { flags: '--gzip', description: 'gzip rotated files' },
      { flags: '--max-files <n>', description: 'keep at most N rotated files per stream' },
      { flags: '--queue-bytes <n>', description: 'HEP bytes held while the writer is busy (each packet counted with 384 bytes more for its objects); beyond, packets are dropped and counted', default: 8388608 },
      { flags: '--max-agents <n>', description: 'agents with their own stream and metric label; later ones share "other"', default: 64 },
      { flags: '--keep-keys', description: 'log SDP key material (a=crypto, a=key-mgmt, k=…) as captured; by default its values are masked with X (RFC 8497 §8.2)' },
    ],
    examples: [
      'sipclf capture --hep udp:127.0.0.1:9060 --out /var/log/sipclf',
      'sipclf capture --hep udp:127.0.0.1:9060 --hep tcp:127.0.0.1:9060 --out /var/log/sipclf --per-agent --interval 1h --gzip --max-files 48 --metrics 127.0.0.1:9100',
    ],
    exit: [
      [0, 'stopped by SIGTERM or SIGINT after flushing the files'],
      [2, 'usage error, a listener cannot be bound, or the directory cannot be used'],
    ],
  },
  {
    name: 'proxy',
    args: '',
    summary: 'Run a stateful record-routing SIP proxy and registrar that logs log-me marked dialogs in SIP CLF',
    details:
      'A stateful RFC 3261 §16 proxy (docs/guides/proxy.md): listens on every --listen address (UDP, TCP or TLS; ' +
      'loopback unless written out), answers 100 Trying to INVITEs, validates requests (400, 416, 420, 482 loop, 483 ' +
      'Max-Forwards), answers REGISTER for its --domain values with the built-in in-memory registrar, and forwards ' +
      'everything else with Record-Route: to every registered contact (parallel forking, CANCEL of the other branches), ' +
      'else by --route (DOMAIN=HOST:PORT, .SUFFIX=…, user:PREFIX=…), else to --default-route, else to the Request-URI. ' +
      'In-dialog requests follow their Route set; one without Route is routed by its Request-URI. With --log-dir, ' +
      'messages are written as RFC 6873 CLF records (received and sent, Server-Txn/Client-Txn, retransmission flag, ' +
      'Tag 02 the whole message): --log marked (default) logs what the RFC 8497 log-me engine configured by ' +
      '--logme-config says to log (without it, messages carrying the logme marker), all every message, none nothing. ' +
      'With --config FILE the settings come from a YAML file (docs/reference/proxy-config.md), validated on load; ' +
      'flags given on the command line win over it (a repeatable flag replaces the whole list). SIGHUP reloads the ' +
      "file's routes and log-me configuration without dropping calls (an invalid file keeps the old configuration). " +
      'With --stateless it is an RFC 3261 §16.11 stateless proxy instead (one target per request, no transactions). ' +
      'The registrar file (registrar.file in --config) is read back at start. ' +
      '--metrics HOST:PORT (loopback) serves Prometheus /metrics and JSON /health. Logs are JSON lines (pino) on ' +
      'standard error. SIGTERM or SIGINT stops listening, flushes the log and exits 0.',
    options: [
      { flags: '--config <file>', description: 'YAML configuration (docs/reference/proxy-config.md); flags override it; SIGHUP reloads it' },
      { flags: '--listen <transport:host:port>', description: 'listen address: udp:127.0.0.1:5060, tcp:[::1]:5060, tls:…', repeatable: true },
      { flags: '--route <match=hop>', description: 'static route: example.net=127.0.0.1:5070, .example.net=…, user:+1555=…', repeatable: true },
      { flags: '--default-route <host:port>', description: 'outbound proxy for foreign domains (HOST[:PORT][;transport=tcp])' },
      { flags: '--domain <domain>', description: 'a domain of this proxy and its registrar', repeatable: true },
      { flags: '--log-dir <dir>', description: 'directory of the CLF files (created 0700); absent: nothing is logged' },
      { flags: '--log <which>', description: 'which messages to log: all, marked or none (default marked)' },
      { flags: '--log-thread <where>', description: 'build and write CLF records on a worker thread (worker, the default) or between forwarding (main)' },
      { flags: '--logme-config <file>', description: 'log-me engine configuration, JSON (docs/reference/logme.md)' },
      { flags: '--metrics <host:port>', description: 'serve /metrics and /health here (loopback; port 0: any)' },
      { flags: '--log-level <level>', description: 'fatal, error, warn, info, debug, trace or silent (default info)' },
      { flags: '--stateless', description: 'RFC 3261 §16.11 stateless proxy: no transactions, one target, no 100 Trying, no forking' },
      { flags: '--tls-cert <file>', description: 'certificate chain (PEM) of the tls: listeners' },
      { flags: '--tls-key <file>', description: 'private key (PEM) of --tls-cert' },
    ],
    examples: [
      "sipclf proxy --listen udp:127.0.0.1:5060 --route 'example.net=127.0.0.1:5070' --log-dir ./logs",
      'sipclf proxy --listen udp:127.0.0.1:5060 --listen tcp:127.0.0.1:5060 --domain example.com --log all --log-dir ./logs',
      'sipclf proxy --config /etc/sipclf/proxy.yaml --log-level debug',
    ],
    exit: [
      [0, 'stopped by SIGTERM or SIGINT after flushing the log'],
      [2, 'usage error, bad route or configuration, a listener cannot be bound, or the log directory cannot be used'],
    ],
  },
  {
    name: 'call',
    args: '<uri>',
    summary: 'Place test calls (RFC 3261 UAC) — log-me marked with --logme — and report each call',
    details:
      'A test UA on the transaction layer (docs/guides/test-ua.md). Each call: INVITE with an SDP offer and a fresh ' +
      'RFC 7989 Session-ID (its local UUID is the test case identifier, printed), ACK, hold for --hold ms, an optional ' +
      'REFER transfer of the callee to --transfer-to (RFC 3515 with RFC 4538 Target-Dialog: the related dialogs of ' +
      'RFC 8497 Figure 2), then BYE. With --logme the UA is an RFC 8497 §4.2 originating UA: it marks the dialogs it ' +
      'originates and their in-dialog requests with `;logme` and logs them in CLF under --log-dir. --proxy sends ' +
      'every initial request to an outbound proxy with a loose Route (RFC 3261 §8.1.2). --calls N --rate R places N ' +
      'calls, R new calls per second, concurrently. Prints one line per call and a summary (JSON Lines with --json).',
    options: [
      { flags: '--proxy <host:port>', description: 'outbound proxy: HOST[:PORT][;transport=tcp] (default: straight to the URI)' },
      { flags: '--listen <transport:host:port>', description: 'local address: udp:127.0.0.1:0 (any port), tcp:…', default: 'udp:127.0.0.1:0' },
      { flags: '--from <uri>', description: 'our address-of-record (From); default sip:sipclf@HOST' },
      { flags: '--logme', description: 'be a log-me originating UA: mark the calls and log them (RFC 8497 §4.2)' },
      { flags: '--calls <n>', description: 'number of calls', default: 1 },
      { flags: '--rate <r>', description: 'new calls per second', default: 10 },
      { flags: '--hold <ms>', description: 'how long each answered call is held before BYE', default: 1000 },
      { flags: '--transfer-to <uri>', description: 'after --hold, transfer the callee there with REFER (then BYE)' },
      { flags: '--log-dir <dir>', description: 'directory of the CLF files (created 0700); absent: nothing is logged' },
      { flags: '--log <which>', description: 'which messages to log: all, marked or none (default marked)' },
      { flags: '--json', description: 'print JSON Lines: one object per call, then the summary' },
    ],
    examples: [
      'sipclf call sip:bob@127.0.0.1:5090',
      'sipclf call sip:bob@example.net --proxy 127.0.0.1:5060 --logme --log-dir ./logs/alice --calls 5 --rate 2',
      'sipclf call sip:bob@127.0.0.1:5090 --logme --transfer-to sip:carol@127.0.0.1:5092 --hold 500',
    ],
    exit: [
      [0, 'every call was answered, ended cleanly and (with --transfer-to) transferred'],
      [1, 'a call failed (its line says why)'],
      [2, 'usage error, bad URI or address, or the listener or log directory cannot be used'],
    ],
  },
  {
    name: 'answer',
    args: '',
    summary: 'Answer test calls (RFC 3261 UAS): ring, answer or reject, echo the log-me marker, accept transfers',
    details:
      'A test UA that answers every INVITE (docs/guides/test-ua.md): 180 Ringing at once, then after --ring ms 200 OK ' +
      'with an SDP answer (retransmitted until the ACK), or --reject CODE. BYE, re-INVITE, OPTIONS and CANCEL (487) are ' +
      'answered; a REFER (RFC 3515, in the dialog or with RFC 4538 Target-Dialog) is accepted with 202, the Refer-To ' +
      'target is called (through --proxy if given) and NOTIFYs report progress. With --logme on the UA is an RFC 8497 ' +
      '§4.2 terminating UA: it echoes the marker of a marked dialog, marks its own requests in it and in related ' +
      'dialogs, and logs them in CLF under --log-dir; --logme off (the default) behaves like a UA without RFC 8497. ' +
      'Prints one line per call outcome. Runs until SIGTERM or SIGINT, or until --max-calls calls have ended.',
    options: [
      { flags: '--listen <transport:host:port>', description: 'listen address', default: 'udp:127.0.0.1:5090' },
      { flags: '--logme <on|off>', description: 'log-me capable (echo markers, log marked dialogs)', default: 'off' },
      { flags: '--ring <ms>', description: 'delay between 180 Ringing and the final response', default: 0 },
      { flags: '--reject <code>', description: 'reject every call with this status (300-699) instead of answering' },
      { flags: '--proxy <host:port>', description: 'outbound proxy for the calls a transfer places' },
      { flags: '--aor <uri>', description: 'our address-of-record (From of transfer calls)' },
      { flags: '--log-dir <dir>', description: 'directory of the CLF files (created 0700); absent: nothing is logged' },
      { flags: '--log <which>', description: 'which messages to log: all, marked or none (default marked)' },
      { flags: '--max-calls <n>', description: 'exit 0 after this many incoming calls have ended (answered and hung up, rejected or cancelled)' },
      { flags: '--json', description: 'print JSON Lines: one object per call outcome' },
    ],
    examples: [
      'sipclf answer --listen udp:127.0.0.1:5090',
      'sipclf answer --listen tcp:127.0.0.1:5090 --logme on --log-dir ./logs/bob --ring 500',
      'sipclf answer --listen udp:127.0.0.1:5091 --reject 486',
    ],
    exit: [
      [0, 'stopped by SIGTERM or SIGINT, or --max-calls reached'],
      [2, 'usage error, or the listener or log directory cannot be used'],
    ],
  },
  {
    name: 'demo',
    args: '',
    summary: 'Run RFC 8123 log-me debugging across three networks on loopback and show the merged trail',
    details:
      'Starts, on 127.0.x.y loopback addresses, a small version of RFC 8123 Figure 1: Alice\'s UA (not log-me ' +
      'capable) → network A edge proxy (marks on her behalf, authorised for her identity) → network A border (agreement ' +
      'with B) → network B border (no agreement with network C) → Bob\'s and Carol\'s log-me capable UAs, a rejecting ' +
      'UA, and a UA in network C. Places marked and unmarked calls, a REFER transfer, a rejected call and a call into ' +
      'network C; then prints what each entity logged, the merged ladder of the marked transfer session, the stats ' +
      'of all logs, checks (every marked hop logged at both ends inside the trust domains, nothing marked reaches ' +
      'network C, unmarked calls not logged, the transfer tied to one test case) and where the files are. Takes a few ' +
      'seconds; docs/guides/regression-test.md explains every step.',
    options: [
      { flags: '--dir <dir>', description: 'write the logs here (one directory per entity) and keep them' },
      { flags: '--keep', description: 'keep the logs of a temporary directory' },
    ],
    examples: ['sipclf demo', 'sipclf demo --dir ./demo-logs'],
    exit: [
      [0, 'every call and every check passed'],
      [1, 'a call or a check failed (printed)'],
      [2, 'the loopback addresses or the log directory cannot be used'],
    ],
  },
  {
    name: 'convert',
    args: '<in>',
    summary: 'Convert captures (pcap, pcapng, HEP) and logs (CLF, JSON Lines) to SIP CLF, JSON Lines or pcap',
    details:
      'One streaming pass in bounded memory. Formats are told by the magic bytes of IN (pcap, pcapng, HEP3, JSON, ' +
      'CLF; gzip is looked through), else by its name (.pcap/.cap, .pcapng, .hep — concatenated HEP v3 packets —, ' +
      '.jsonl/.json, .clf; with .gz), and for OUT by its name (.clf, .jsonl, .pcap); --from and --to override. ' +
      'A HEP packet without a timestamp chunk is logged with the time of the packet before it (the summary counts them). ' +
      'Viewpoint of a capture: with --entity, the log of that entity — messages to one of its addresses Received, ' +
      'from it Sent, Server-Txn/Client-Txn from the Via branches as a proxy there assigns them (RFC 6872 §9), ' +
      'retransmissions flagged D, other messages skipped and counted; without --entity, the neutral rule of ' +
      '`sipclf capture`: every message logged once, as received by its destination (direction R, retransmission ' +
      'flag S, no transaction ids). --only-logme keeps only messages whose Session-ID carries the RFC 8497 log-me ' +
      'marker (stateless logging, RFC 8497 §4.5.1). From captures, the values of SDP key material (a=crypto, ' +
      'a=key-mgmt, a=3GPP-Integrity-Key, a=3GPP-SRTP-Config, k=) are masked with X (RFC 8497 §8.2) unless --keep-keys. CLF → CLF copies records byte for byte; CLF ↔ JSON Lines is ' +
      'lossless. Output files are created with mode 0600. On a terminal a progress bar shows rate and ETA; a ' +
      'summary (messages, skipped by reason, errors by code) ends on standard error. Bad packets and records are ' +
      'reported with their packet or record number and skipped; the rest is converted.',
    options: [
      { flags: '-o, --out <file>', description: 'output file (mode 0600), `-` for standard output (clf, jsonl)' },
      { flags: '--from <format>', description: 'input format: pcap, pcapng, hep, jsonl or clf' },
      { flags: '--to <format>', description: 'output format: clf, jsonl or pcap' },
      { flags: '--entity <addr>', description: 'ADDR[:PORT][,…] of the entity whose log to produce (repeatable)', repeatable: true },
      { flags: '--only-logme', description: 'keep only messages carrying the RFC 8497 log-me marker' },
      { flags: '--keep-keys', description: 'captures: log SDP key material (a=crypto, a=key-mgmt, k=…) as captured; by default its values are masked with X (RFC 8497 §8.2)' },
    ],
    examples: [
      'sipclf convert trace.pcap -o trace.clf',
      'sipclf convert trace.pcapng -o proxy.clf --entity 192.0.2.10:5060,[2001:db8::10]:5060',
      'sipclf convert proxy.clf -o proxy.pcap',
      'sipclf convert trace.pcap.gz -o marked.jsonl --only-logme',
    ],
    exit: [
      [0, 'converted'],
      [1, 'bad packets, messages or records were skipped (reported with their number)'],
      [2, 'usage error, unreadable input or unwritable output'],
    ],
  },
];

