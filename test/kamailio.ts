// The Kamailio configuration the real-peer tests run (test/fixtures/kamailio/relay.cfg, one template for
// the proxy chain, the siptrace HEP mirror and the benchmark), with its placeholders filled in.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Debian's module directory (multiarch path). */
export const KAMAILIO_MODULES = `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/kamailio/modules`;

export interface KamailioConfig {
  readonly port: number;
  readonly uasPort: number;
  /** Also listen on TCP at `port` (default: UDP only). */
  readonly tcp?: boolean;
  /**
   * Also listen on TLS at `port` (module tls.so, Debian package kamailio-tls-modules) with this certificate
   * and key (PEM paths); peers' certificates are not asked for nor verified.
   */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Mirror every message as HEP v3 to this UDP port with siptrace (trace_mode=1), capture id 2001. */
  readonly hepPort?: number;
  readonly debug?: number;
  readonly modules?: string;
}

export function kamailioConfig(c: KamailioConfig): string {
  const template = readFileSync(join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'kamailio', 'relay.cfg'), 'utf8');
  const hep =
    c.hepPort === undefined
      ? ''
      : [
          'loadmodule "siptrace.so"',
          `modparam("siptrace", "duplicate_uri", "sip:127.0.0.1:${c.hepPort}")`,
          'modparam("siptrace", "hep_mode_on", 1)',
          'modparam("siptrace", "hep_version", 3)',
          'modparam("siptrace", "hep_capture_id", 2001)',
          'modparam("siptrace", "trace_to_database", 0)',
          'modparam("siptrace", "trace_on", 1)',
          'modparam("siptrace", "trace_mode", 1)',
        ].join('\n');
  const tls =
    c.tls === undefined
      ? ''
      : [
          'loadmodule "tls.so"',
          // Kamailio 5.6's default method offers TLS 1.0 only; Node ≥ 17 speaks 1.2 and 1.3.
          'modparam("tls", "tls_method", "TLSv1.2+")',
          `modparam("tls", "certificate", "${c.tls.cert}")`,
          `modparam("tls", "private_key", "${c.tls.key}")`,
          'modparam("tls", "verify_certificate", 0)',
          'modparam("tls", "require_certificate", 0)',
        ].join('\n');
  const transport =
    c.tls !== undefined ? `enable_tls=yes\ntcp_children=1\nlisten=tls:127.0.0.1:${c.port}` : c.tcp === true ? `tcp_children=1\nlisten=tcp:127.0.0.1:${c.port}` : 'disable_tcp=yes';
  const values: Record<string, string> = {
    PORT: String(c.port),
    UAS_PORT: String(c.uasPort),
    MODULES: c.modules ?? KAMAILIO_MODULES,
    DEBUG: String(c.debug ?? 2),
    TRANSPORT: transport,
    EXTRA: [tls, hep].filter((x) => x !== '').join('\n'),
  };
  return template.replace(/@([A-Z_]+)@/g, (m, k: string) => values[k] ?? m);
}
