/*
 * A raw UDP client of the OSCORE profile, run by oscore.sh against a real
 * `gkdc serve` with the profile-oscore plugin:
 *
 *   oscore_client PORT AS_KEY_HEX
 *
 * It builds an access token (COSE_Encrypt0 with the AS key, kid h'a1',
 * audience "kdc1", issuer "as1"), posts it to /authz-info on
 * 127.0.0.1:PORT, derives the OSCORE context, then checks a protected GET
 * of /.well-known/core, the answer to a CON retransmission, a replayed
 * request and an unknown kid. Prints one line per check and exits 1 when
 * any failed. Other modes:
 *
 *   oscore_client PORT AS_KEY_HEX expire       a token with a 2 s life: a
 *                                              GET works, one after 3 s
 *                                              gets an unprotected 4.01
 *   oscore_client PORT AS_KEY_HEX save FILE    upload and GET, then write
 *                                              the client's context to FILE
 *   oscore_client PORT AS_KEY_HEX resume FILE  after a restart of the
 *                                              server: the context of FILE
 *                                              gets an Echo challenge, then
 *                                              a protected 2.05
 */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <gkdc/cbor.h>
#include <gkdc/cose.h>

#include "oscore.h"
#include "oscore_crypto_fixture.h"

static const struct gkdc_crypto *cx;
static int sock = -1;
static int failures;

/* The token of upload(): its lifetime and the last byte of its cti; and
 * what the client keeps of its context for the save and resume modes. */
static int64_t token_life = 3600;
static uint8_t token_cti = 0x99;
static uint8_t kept_ms[16], kept_n2[16], kept_id2[8];
static size_t kept_n2_len, kept_id2_len;

static void check(int ok, const char *what)
{
  printf("%s: %s\n", ok ? "ok" : "FAIL", what);
  if (!ok)
    failures++;
}

/* Sends `msg` and waits up to 3 s for a datagram into `in`. */
static size_t exchange(const struct gkdc_coap_msg *msg, uint8_t *wire, size_t *wire_len,
                       uint8_t *in, size_t cap)
{
  ssize_t n;

  if (!gkdc_oscore_msg_encode(msg, wire, 1200, wire_len) ||
      send(sock, wire, *wire_len, 0) != (ssize_t)*wire_len)
    return 0;
  n = recv(sock, in, cap, 0);
  return n > 0 ? (size_t)n : 0;
}

/* Sends raw bytes again and waits for the answer. */
static size_t resend(const uint8_t *wire, size_t len, uint8_t *in, size_t cap)
{
  ssize_t n;

  if (send(sock, wire, len, 0) != (ssize_t)len)
    return 0;
  n = recv(sock, in, cap, 0);
  return n > 0 ? (size_t)n : 0;
}

static size_t make_token(const uint8_t *as_key, const uint8_t *ms, size_t ms_len,
                         uint8_t *out, size_t cap)
{
  struct gkdc_cbor_enc e;
  struct gkdc_cose_params params;
  uint8_t claims[256], kid[1] = {0xa1};
  uint8_t scope[] = {0x81, 0x82, 0x63, 0x67, 0x70, 0x31, 0x06};
  size_t claims_len = 0, out_len = cap;

  gkdc_cbor_enc_init(&e, claims, sizeof(claims));
  gkdc_cbor_enc_put_map(&e, 6);
  gkdc_cbor_enc_put_uint(&e, 1);
  gkdc_cbor_enc_put_tstr_z(&e, "as1");
  gkdc_cbor_enc_put_uint(&e, 3);
  gkdc_cbor_enc_put_tstr_z(&e, "kdc1");
  gkdc_cbor_enc_put_uint(&e, 4);
  gkdc_cbor_enc_put_int(&e, (int64_t)time(NULL) + token_life);
  gkdc_cbor_enc_put_uint(&e, 7);
  gkdc_cbor_enc_put_bstr(&e, (const uint8_t[]){0x0b, token_cti}, 2);
  gkdc_cbor_enc_put_uint(&e, 8);
  gkdc_cbor_enc_put_map(&e, 1);
  gkdc_cbor_enc_put_uint(&e, 4);
  gkdc_cbor_enc_put_map(&e, 2);
  gkdc_cbor_enc_put_uint(&e, 0);
  gkdc_cbor_enc_put_bstr(&e, (const uint8_t *)"\x01", 1);
  gkdc_cbor_enc_put_uint(&e, 2);
  gkdc_cbor_enc_put_bstr(&e, ms, ms_len);
  gkdc_cbor_enc_put_uint(&e, 9);
  gkdc_cbor_enc_put_bstr(&e, scope, sizeof(scope));
  if (gkdc_cbor_enc_finish(&e, &claims_len) != GKDC_CBOR_OK)
    return 0;

  memset(&params, 0, sizeof(params));
  params.alg = GKDC_COSE_ALG_AES_CCM_16_64_128;
  params.kid.ptr = kid;
  params.kid.len = sizeof(kid);
  params.content_type = -1;
  if (gkdc_cose_encrypt0_create(cx, &params, as_key, 16, claims, claims_len, NULL, 0, out,
                                &out_len) != GKDC_COSE_OK)
    return 0;
  return out_len;
}

/* Posts the token and derives the client's context; NULL on failure. */
static struct gkdc_oscore_ctx *upload(const uint8_t *as_key)
{
  static const uint8_t nonce1[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
  uint8_t ms[16], token[512], payload[640], wire[1200], in[1200];
  uint8_t id1 = 0x00, cf = GKDC_CF_ACE_CBOR;
  size_t token_len, payload_len = 0, wire_len, n;
  struct gkdc_cbor_enc e;
  struct gkdc_coap_msg post, resp;
  struct gkdc_cbor_dec d, v;
  struct gkdc_bytes n2, id2, bn1 = {nonce1, sizeof(nonce1)}, bid1 = {&id1, 1};
  struct gkdc_oscore_input_material m;

  if (!gkdc_crypto_random(cx, ms, sizeof(ms)))
    return NULL;
  token_len = make_token(as_key, ms, sizeof(ms), token, sizeof(token));
  gkdc_cbor_enc_init(&e, payload, sizeof(payload));
  gkdc_cbor_enc_put_map(&e, 3);
  gkdc_cbor_enc_put_uint(&e, 1);
  gkdc_cbor_enc_put_bstr(&e, token, token_len);
  gkdc_cbor_enc_put_uint(&e, 40);
  gkdc_cbor_enc_put_bstr(&e, nonce1, sizeof(nonce1));
  gkdc_cbor_enc_put_uint(&e, 43);
  gkdc_cbor_enc_put_bstr(&e, &id1, 1);
  if (token_len == 0 || gkdc_cbor_enc_finish(&e, &payload_len) != GKDC_CBOR_OK)
    return NULL;

  memset(&post, 0, sizeof(post));
  post.type = GKDC_COAP_CON;
  post.code = GKDC_POST;
  post.mid = 1;
  post.token_len = 1;
  post.token[0] = 0x01;
  post.options[0] = (struct gkdc_coap_option){GKDC_OPT_URI_PATH,
                                              {(const uint8_t *)"authz-info", 10}};
  post.options[1] = (struct gkdc_coap_option){GKDC_OPT_CONTENT_FORMAT, {&cf, 1}};
  post.option_count = 2;
  post.payload.ptr = payload;
  post.payload.len = payload_len;
  n = exchange(&post, wire, &wire_len, in, sizeof(in));
  check(n > 0 && gkdc_oscore_msg_decode(in, n, &resp) && resp.code == GKDC_CODE(2, 1),
        "POST /authz-info answers 2.01");
  if (failures > 0)
    return NULL;

  if (gkdc_cbor_dec_init(&d, resp.payload.ptr, resp.payload.len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, NULL) || !gkdc_cbor_dec_map_find_int(&d, 42, &v) ||
      !gkdc_cbor_dec_get_bstr(&v, &n2) || !gkdc_cbor_dec_map_find_int(&d, 44, &v) ||
      !gkdc_cbor_dec_get_bstr(&v, &id2)) {
    check(0, "2.01 carries nonce2 and ace_server_recipientid");
    return NULL;
  }
  if (n2.len > sizeof(kept_n2) || id2.len > sizeof(kept_id2))
    return NULL;
  memcpy(kept_ms, ms, sizeof(ms));
  memcpy(kept_n2, n2.ptr, n2.len);
  kept_n2_len = n2.len;
  memcpy(kept_id2, id2.ptr, id2.len);
  kept_id2_len = id2.len;
  memset(&m, 0, sizeof(m));
  m.has_id = m.has_ms = 1;
  m.ms.ptr = ms;
  m.ms.len = sizeof(ms);
  m.aead_alg = GKDC_COSE_ALG_AES_CCM_16_64_128;
  m.hkdf_alg = GKDC_COSE_ALG_HMAC_256_256;
  return gkdc_oscore_ace_derive(cx, &m, bn1, n2, bid1, id2, GKDC_OSCORE_ACE_CLIENT);
}

static void protected_checks(struct gkdc_oscore_ctx *client)
{
  uint8_t wire[1200], in[1200], again[1200], buf[1200], inner_buf[1200];
  size_t wire_len, n, n2;
  struct gkdc_coap_msg get, prot, resp, inner;
  struct gkdc_oscore_request creq;
  struct gkdc_oscore_ctx *stranger;
  struct gkdc_oscore_params p;
  uint8_t secret[16] = {7}, kid = 0x42;

  memset(&get, 0, sizeof(get));
  get.type = GKDC_COAP_CON;
  get.code = GKDC_GET;
  get.mid = 2;
  get.token_len = 1;
  get.token[0] = 0x02;
  get.options[0] = (struct gkdc_coap_option){GKDC_OPT_URI_PATH,
                                             {(const uint8_t *)".well-known", 11}};
  get.options[1] = (struct gkdc_coap_option){GKDC_OPT_URI_PATH, {(const uint8_t *)"core", 4}};
  get.option_count = 2;
  if (gkdc_oscore_protect_request(client, &get, 0, &prot, buf, sizeof(buf), &creq) !=
      GKDC_OSCORE_OK) {
    check(0, "protect GET /.well-known/core");
    return;
  }
  n = exchange(&prot, wire, &wire_len, in, sizeof(in));
  check(n > 0 && gkdc_oscore_msg_decode(in, n, &resp) &&
            gkdc_oscore_response_classify(&resp) == GKDC_OSCORE_RESPONSE_PROTECTED &&
            gkdc_oscore_unprotect_response(client, &resp, &inner, inner_buf,
                                           sizeof(inner_buf), &creq) == GKDC_OSCORE_OK &&
            inner.code == GKDC_CODE(2, 5),
        "protected GET /.well-known/core answers a protected 2.05");
  check(inner.payload.len > 0 &&
            memmem(inner.payload.ptr, inner.payload.len, "</authz-info>", 13) != NULL,
        "the link format lists </authz-info>");

  /* The CON retransmission gets the same answer from the cache. */
  n2 = resend(wire, wire_len, again, sizeof(again));
  check(n2 == n && memcmp(again, in, n) == 0, "a retransmission gets the cached answer");

  /* The same OSCORE request under a new message ID is a replay. */
  prot.mid = 3;
  n = exchange(&prot, wire, &wire_len, in, sizeof(in));
  check(n > 0 && gkdc_oscore_msg_decode(in, n, &resp) && resp.code == GKDC_CODE(4, 1) &&
            resp.payload.len == 15 && memcmp(resp.payload.ptr, "Replay detected", 15) == 0,
        "a replayed request answers an unprotected 4.01 Replay detected");

  /* A kid the server does not know. */
  memset(&p, 0, sizeof(p));
  p.master_secret.ptr = secret;
  p.master_secret.len = sizeof(secret);
  p.sender_id.ptr = &kid;
  p.sender_id.len = 1;
  p.recipient_id.ptr = secret;
  p.recipient_id.len = 0;
  stranger = gkdc_oscore_ctx_new(cx, &p);
  get.mid = 4;
  if (stranger != NULL &&
      gkdc_oscore_protect_request(stranger, &get, 0, &prot, buf, sizeof(buf), &creq) ==
          GKDC_OSCORE_OK) {
    n = exchange(&prot, wire, &wire_len, in, sizeof(in));
    check(n > 0 && gkdc_oscore_msg_decode(in, n, &resp) && resp.code == GKDC_CODE(4, 1) &&
              resp.payload.len == 26 &&
              memcmp(resp.payload.ptr, "Security context not found", 26) == 0,
          "an unknown kid answers 4.01 Security context not found");
  }
  gkdc_oscore_ctx_free(stranger);
}

/* Protected messages whose OSCORE option was replaced by a hand-built
 * malformed value: each gets an unprotected 4.02 "Failed to decode COSE"
 * with Max-Age 0, before any context lookup. */
static void bad_option_checks(struct gkdc_oscore_ctx *client)
{
  static const char *const cases[] = {
      "00", "20", "80", "06000000000000", "01", "05010203", "10", "1005aabb", "011415",
  };
  uint8_t wire[1200], in[1200], buf[1200], v[16];
  struct gkdc_coap_msg get, prot, resp;
  struct gkdc_oscore_request creq;
  size_t wire_len, n, i, j;
  char what[96];

  memset(&get, 0, sizeof(get));
  get.type = GKDC_COAP_CON;
  get.code = GKDC_GET;
  get.token_len = 1;
  get.token[0] = 0x31;
  get.options[0] = (struct gkdc_coap_option){GKDC_OPT_URI_PATH, {(const uint8_t *)"x", 1}};
  get.option_count = 1;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    size_t vlen = oscore_test_unhex(cases[i], v, sizeof(v));

    get.mid = (uint16_t)(200 + i);
    if (gkdc_oscore_protect_request(client, &get, 0, &prot, buf, sizeof(buf), &creq) !=
        GKDC_OSCORE_OK) {
      check(0, "protect a GET for the bad-option cases");
      return;
    }
    for (j = 0; j < prot.option_count; j++) {
      if (prot.options[j].number == GKDC_OPT_OSCORE) {
        prot.options[j].value.ptr = v;
        prot.options[j].value.len = vlen;
      }
    }
    n = exchange(&prot, wire, &wire_len, in, sizeof(in));
    snprintf(what, sizeof(what), "OSCORE option h'%s' answers an unprotected 4.02", cases[i]);
    check(n > 0 && gkdc_oscore_msg_decode(in, n, &resp) && resp.code == GKDC_CODE(4, 2) &&
              gkdc_oscore_response_classify(&resp) != GKDC_OSCORE_RESPONSE_PROTECTED &&
              resp.payload.len == 21 &&
              memcmp(resp.payload.ptr, "Failed to decode COSE", 21) == 0,
          what);
  }
}

/*
 * A protected POST /authz-info whose ciphertext travels in two outer
 * Block1 blocks of 64 bytes (RFC 8613 section 4.1.3.4.2): the first
 * gets 2.31 Continue, the second the protected answer to the whole
 * request, which the server reassembled before it unprotected it. The
 * inner payload is no token, so the inner answer is 4.00.
 */
static void outer_block1_check(struct gkdc_oscore_ctx *client)
{
  uint8_t wire[1200], in[1200], buf[1200], inner_buf[1200], body[100], cf = 19;
  uint8_t b0 = 0x0a, b1 = 0x12; /* NUM 0 M=1 SZX 2; NUM 1 M=0 SZX 2 */
  struct gkdc_coap_msg post, prot, part, resp, inner;
  struct gkdc_oscore_request creq;
  size_t wire_len, n;

  memset(body, 0xa5, sizeof(body));
  memset(&post, 0, sizeof(post));
  post.type = GKDC_COAP_CON;
  post.code = GKDC_POST;
  post.mid = 300;
  post.token_len = 1;
  post.token[0] = 0x33;
  post.options[0] =
      (struct gkdc_coap_option){GKDC_OPT_URI_PATH, {(const uint8_t *)"authz-info", 10}};
  post.options[1] = (struct gkdc_coap_option){GKDC_OPT_CONTENT_FORMAT, {&cf, 1}};
  post.option_count = 2;
  post.payload.ptr = body;
  post.payload.len = sizeof(body);
  if (gkdc_oscore_protect_request(client, &post, 0, &prot, buf, sizeof(buf), &creq) !=
          GKDC_OSCORE_OK ||
      prot.payload.len <= 64 || prot.payload.len > 128 ||
      prot.option_count + 1 > GKDC_COAP_MAX_OPTIONS) {
    check(0, "protect a POST of 65 to 128 ciphertext bytes");
    return;
  }

  part = prot;
  part.options[part.option_count++] = (struct gkdc_coap_option){27, {&b0, 1}};
  part.payload.len = 64;
  n = exchange(&part, wire, &wire_len, in, sizeof(in));
  check(n > 0 && gkdc_oscore_msg_decode(in, n, &resp) && resp.code == GKDC_CODE(2, 31),
        "the first outer Block1 block gets 2.31 Continue");

  part = prot;
  part.mid = 301;
  part.options[part.option_count++] = (struct gkdc_coap_option){27, {&b1, 1}};
  part.payload.ptr = prot.payload.ptr + 64;
  part.payload.len = prot.payload.len - 64;
  n = exchange(&part, wire, &wire_len, in, sizeof(in));
  check(n > 0 && gkdc_oscore_msg_decode(in, n, &resp) &&
            gkdc_oscore_response_classify(&resp) == GKDC_OSCORE_RESPONSE_PROTECTED &&
            gkdc_oscore_unprotect_response(client, &resp, &inner, inner_buf,
                                           sizeof(inner_buf), &creq) == GKDC_OSCORE_OK &&
            inner.code == GKDC_CODE(4, 0),
        "the reassembled body unprotects: a protected answer (inner 4.00)");
}

/*
 * Sends a protected GET of `path` (with an inner Echo option when `echo`
 * is set) and reads the answer. Returns 1 with *inner for a protected
 * answer that verifies, 0 with *outer for an unprotected one, -1 when
 * nothing usable came back.
 */
static int get_path(struct gkdc_oscore_ctx *client, uint16_t mid, const char *path,
                    const uint8_t *echo, size_t echo_len, struct gkdc_coap_msg *outer,
                    struct gkdc_coap_msg *inner, uint8_t *in, size_t in_cap,
                    uint8_t *inner_buf, size_t inner_cap)
{
  uint8_t wire[1200], buf[1200];
  struct gkdc_coap_msg get, prot;
  struct gkdc_oscore_request creq;
  size_t wire_len, n;
  const char *slash;

  memset(&get, 0, sizeof(get));
  get.type = GKDC_COAP_CON;
  get.code = GKDC_GET;
  get.mid = mid;
  get.token_len = 1;
  get.token[0] = (uint8_t)mid;
  /* At most two segments: "a" or "a/b". */
  slash = strchr(path, '/');
  get.options[0] = (struct gkdc_coap_option){
      GKDC_OPT_URI_PATH, {(const uint8_t *)path, slash != NULL ? (size_t)(slash - path)
                                                               : strlen(path)}};
  get.option_count = 1;
  if (slash != NULL)
    get.options[get.option_count++] = (struct gkdc_coap_option){
        GKDC_OPT_URI_PATH, {(const uint8_t *)slash + 1, strlen(slash + 1)}};
  if (echo != NULL)
    get.options[get.option_count++] = (struct gkdc_coap_option){GKDC_OPT_ECHO,
                                                                {echo, echo_len}};
  if (gkdc_oscore_protect_request(client, &get, 0, &prot, buf, sizeof(buf), &creq) !=
      GKDC_OSCORE_OK)
    return -1;
  n = exchange(&prot, wire, &wire_len, in, in_cap);
  if (n == 0 || !gkdc_oscore_msg_decode(in, n, outer))
    return -1;
  if (gkdc_oscore_response_classify(outer) != GKDC_OSCORE_RESPONSE_PROTECTED)
    return 0;
  return gkdc_oscore_unprotect_response(client, outer, inner, inner_buf, inner_cap, &creq) ==
                 GKDC_OSCORE_OK
             ? 1
             : -1;
}

/* The expire mode: a token with a 2 s life. */
static void expire_checks(const uint8_t *as_key)
{
  uint8_t in[1200], inner_buf[1200];
  struct gkdc_coap_msg outer, inner;
  struct gkdc_oscore_ctx *client;

  token_life = 2;
  token_cti = 0x98;
  client = upload(as_key);
  check(client != NULL, "a token with a 2 s life gives a context");
  if (client == NULL)
    return;
  check(get_path(client, 20, ".well-known", NULL, 0, &outer, &inner, in, sizeof(in), inner_buf,
                 sizeof(inner_buf)) == 1,
        "a protected request before the token's exp is answered protected");
  sleep(3);
  check(get_path(client, 21, ".well-known", NULL, 0, &outer, &inner, in, sizeof(in), inner_buf,
                 sizeof(inner_buf)) == 0 &&
            outer.code == GKDC_CODE(4, 1),
        "a protected request after the token's exp gets an unprotected 4.01");
  gkdc_oscore_ctx_free(client);
}

/* The save mode: upload, one GET, then the context's inputs to `file`. */
static void save_context(const uint8_t *as_key, const char *file)
{
  uint8_t in[1200], inner_buf[1200];
  struct gkdc_coap_msg outer, inner;
  struct gkdc_oscore_ctx *client;
  FILE *f;
  size_t i;

  token_cti = 0x97;
  client = upload(as_key);
  check(client != NULL, "save: context derived");
  if (client == NULL)
    return;
  check(get_path(client, 30, "test/peer", NULL, 0, &outer, &inner, in, sizeof(in), inner_buf,
                 sizeof(inner_buf)) == 1,
        "save: a protected request is answered protected");
  f = fopen(file, "w");
  if (f == NULL) {
    check(0, "save: write the context file");
    gkdc_oscore_ctx_free(client);
    return;
  }
  for (i = 0; i < sizeof(kept_ms); i++)
    fprintf(f, "%02x", kept_ms[i]);
  fprintf(f, " ");
  for (i = 0; i < kept_n2_len; i++)
    fprintf(f, "%02x", kept_n2[i]);
  fprintf(f, " ");
  for (i = 0; i < kept_id2_len; i++)
    fprintf(f, "%02x", kept_id2[i]);
  fprintf(f, " %llu\n", (unsigned long long)client->ssn);
  fclose(f);
  gkdc_oscore_ctx_free(client);
}

/* The resume mode: the saved context after a SIGKILL and restart. */
static void resume_context(const char *file)
{
  static const uint8_t nonce1[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
  char ms_hex[64], n2_hex[64], id2_hex[32];
  unsigned long long ssn;
  uint8_t in[1200], inner_buf[1200], echo[64], id1 = 0x00;
  struct gkdc_coap_msg outer, inner;
  struct gkdc_oscore_input_material m;
  struct gkdc_oscore_ctx *client;
  struct gkdc_bytes bn1 = {nonce1, sizeof(nonce1)}, bid1 = {&id1, 1}, n2, id2;
  size_t i, echo_len = 0;
  FILE *f = fopen(file, "r");
  int r;

  if (f == NULL || fscanf(f, "%63s %63s %31s %llu", ms_hex, n2_hex, id2_hex, &ssn) != 4) {
    check(0, "resume: read the context file");
    if (f != NULL)
      fclose(f);
    return;
  }
  fclose(f);
  oscore_test_unhex(ms_hex, kept_ms, sizeof(kept_ms));
  kept_n2_len = oscore_test_unhex(n2_hex, kept_n2, sizeof(kept_n2));
  kept_id2_len = oscore_test_unhex(id2_hex, kept_id2, sizeof(kept_id2));
  memset(&m, 0, sizeof(m));
  m.has_id = m.has_ms = 1;
  m.ms.ptr = kept_ms;
  m.ms.len = sizeof(kept_ms);
  m.aead_alg = GKDC_COSE_ALG_AES_CCM_16_64_128;
  m.hkdf_alg = GKDC_COSE_ALG_HMAC_256_256;
  n2.ptr = kept_n2;
  n2.len = kept_n2_len;
  id2.ptr = kept_id2;
  id2.len = kept_id2_len;
  client = gkdc_oscore_ace_derive(cx, &m, bn1, n2, bid1, id2, GKDC_OSCORE_ACE_CLIENT);
  if (client == NULL) {
    check(0, "resume: context derived again");
    return;
  }
  client->ssn = ssn;

  /* The window was lost with the crash: a protected 4.01 with Echo. */
  r = get_path(client, 40, "test/peer", NULL, 0, &outer, &inner, in, sizeof(in), inner_buf,
               sizeof(inner_buf));
  for (i = 0; r == 1 && i < inner.option_count; i++) {
    if (inner.options[i].number == GKDC_OPT_ECHO && inner.options[i].value.len <= sizeof(echo)) {
      echo_len = inner.options[i].value.len;
      memcpy(echo, inner.options[i].value.ptr, echo_len);
    }
  }
  check(r == 1 && inner.code == GKDC_CODE(4, 1) && echo_len > 0,
        "resume: the first request after the crash gets a protected 4.01 with Echo");
  check(get_path(client, 41, "test/peer", echo_len > 0 ? echo : NULL, echo_len, &outer, &inner, in,
                 sizeof(in), inner_buf, sizeof(inner_buf)) == 1 &&
            GKDC_CODE_CLASS(inner.code) == 2,
        "resume: the request that repeats the Echo value is served");
  check(get_path(client, 42, "test/peer", NULL, 0, &outer, &inner, in, sizeof(in), inner_buf,
                 sizeof(inner_buf)) == 1 &&
            GKDC_CODE_CLASS(inner.code) == 2,
        "resume: later requests are served without a challenge");
  gkdc_oscore_ctx_free(client);
}

int main(int argc, char **argv)
{
  struct sockaddr_in addr;
  struct timeval tv = {3, 0};
  struct gkdc_oscore_ctx *client;
  uint8_t as_key[16];

  if (argc < 3 || argc > 5 || strlen(argv[2]) != 32) {
    fprintf(stderr, "usage: oscore_client PORT AS_KEY_HEX(16 bytes) [expire | save FILE | "
            "resume FILE]\n");
    return 2;
  }
  cx = oscore_test_crypto();
  if (cx == NULL)
    return 1;
  oscore_test_unhex(argv[2], as_key, sizeof(as_key));

  sock = socket(AF_INET, SOCK_DGRAM, 0);
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)atoi(argv[1]));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (sock < 0 || setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
      connect(sock, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
    perror("socket");
    return 1;
  }

  if (argc >= 4) {
    if (strcmp(argv[3], "expire") == 0)
      expire_checks(as_key);
    else if (strcmp(argv[3], "save") == 0 && argc == 5)
      save_context(as_key, argv[4]);
    else if (strcmp(argv[3], "resume") == 0 && argc == 5)
      resume_context(argv[4]);
    else
      check(0, "known mode");
    close(sock);
    oscore_test_crypto_unload();
    return failures == 0 ? 0 : 1;
  }

  client = upload(as_key);
  check(client != NULL, "client context derived from nonce2 and ID2");
  if (client != NULL) {
    protected_checks(client);
    bad_option_checks(client);
    outer_block1_check(client);
  }

  gkdc_oscore_ctx_free(client);
  close(sock);
  oscore_test_crypto_unload();
  return failures == 0 ? 0 : 1;
}
