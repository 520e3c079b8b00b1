/*
 * `gkdc token`: requests an access token from an ACE Authorization Server
 * (RFC 9200 section 5.8) over DTLS with a pre-shared key.
 *
 *   gkdc token --as coaps://HOST:PORT --psk-identity ID --psk-key HEX
 *              --audience AUD --scope SCOPE [--out FILE]
 *
 * It POSTs {5: audience, 9: scope} as application/ace+cbor to /token,
 * prints the response in CBOR diagnostic notation with ACE labels and the
 * secrets (the OSCORE Master Secret, symmetric keys) redacted, and on
 * 2.01 writes the whole Access Information map (access_token, cnf,
 * expires_in, ...) as CBOR to FILE with mode 0600, because cnf carries the
 * OSCORE master secret. `gkdc join --token FILE` reads that file.
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gkdc/as.h>
#include <gkdc/cbor.h>
#include <gkdc/client.h>
#include <gkdc/crypto.h>

#include "client_tool.h"
#include "commands.h"
#include "internal.h"

#define REQUEST_MAX 2048
#define PSK_MAX 64
#define TOKEN_TIMEOUT_MS 15000

struct token_args {
  const char *as_uri;
  const char *identity;
  const char *key_hex;
  const char *audience;
  const char *scope;
  const char *out_file;
  const char *path;
  int verbose;
};

static void print_usage(FILE *out) {
  fprintf(out,
          "Usage: gkdc token --as URI --psk-identity ID --psk-key HEX --audience AUD\n"
          "                  --scope SCOPE [--out FILE] [--path PATH] [-v]\n"
          "\n"
          "Requests an access token from an ACE AS over DTLS with a pre-shared key,\n"
          "prints the response in CBOR diagnostic notation and, on success, writes\n"
          "the Access Information (access_token, cnf, ...) as CBOR to FILE (mode 0600).\n"
          "\n"
          "Options:\n"
          "  --as URI            the AS: coaps://HOST:PORT (coap:// for tests without DTLS)\n"
          "  --psk-identity ID   the DTLS PSK identity (text without zero bytes)\n"
          "  --psk-key HEX       the DTLS pre-shared key in hex\n"
          "  --audience AUD      the audience parameter: the KDC's name at the AS\n"
          "  --scope SCOPE       JSON-like AIF text such as '[[\"g1\", 6]]' (sent as a\n"
          "                      byte string of its CBOR), hex CBOR, or other text\n"
          "                      (sent as a text string)\n"
          "  --out FILE          write the Access Information to FILE\n"
          "  --path PATH         the token endpoint's path (default: token)\n"
          "  -v, --verbose       log at debug level\n"
          "  -h, --help          print this help and exit\n");
}

static int build_request(const struct token_args *a, uint8_t *buf, size_t *len) {
  struct gkdc_cbor_enc e;
  size_t mark;

  gkdc_cbor_enc_init(&e, buf, REQUEST_MAX);
  mark = gkdc_cbor_enc_map_begin(&e);
  gkdc_cbor_enc_put_int(&e, GKDC_OAUTH_AUDIENCE);
  gkdc_cbor_enc_put_tstr_z(&e, a->audience);
  gkdc_cbor_enc_put_int(&e, GKDC_OAUTH_SCOPE);
  if (!gkdc_tool_encode_scope(a->scope, &e))
    return 0;
  gkdc_cbor_enc_map_end(&e, mark, 2);
  if (gkdc_cbor_enc_finish(&e, len) != GKDC_CBOR_OK) {
    fprintf(stderr, "gkdc token: the request does not fit %d bytes\n", REQUEST_MAX);
    return 0;
  }
  return 1;
}

/* Checks that the Access Information has an access_token byte string. */
static int has_access_token(const uint8_t *payload, size_t len) {
  struct gkdc_cbor_dec d, value;
  struct gkdc_bytes token;
  size_t pairs;
  int ok;

  if (gkdc_cbor_dec_init(&d, payload, len, NULL) != GKDC_CBOR_OK ||
      !gkdc_cbor_dec_enter_map(&d, &pairs))
    return 0;
  ok = gkdc_cbor_dec_map_find_int(&d, GKDC_OAUTH_ACCESS_TOKEN, &value) &&
       gkdc_cbor_dec_get_bstr(&value, &token) && token.len > 0;
  return ok;
}

static int request_token(const struct token_args *a) {
  uint8_t request[REQUEST_MAX], key[PSK_MAX];
  size_t request_len = 0, key_len = 0;
  struct gkdc_client_psk psk;
  struct gkdc_client_msg msg;
  struct gkdc_tool_reply reply;
  gkdc_client *c = NULL;
  gkdc_client_session *s;
  int ok = 0;

  memset(&reply, 0, sizeof(reply));
  if (!build_request(a, request, &request_len))
    goto out;
  if (a->key_hex != NULL && !gkdc_tool_hex_decode(a->key_hex, key, sizeof(key), &key_len)) {
    fprintf(stderr, "gkdc token: --psk-key must be hex of at most %d bytes\n", PSK_MAX);
    goto out;
  }
  psk.identity.ptr = (const uint8_t *)(a->identity != NULL ? a->identity : "");
  psk.identity.len = a->identity != NULL ? strlen(a->identity) : 0;
  psk.key.ptr = key;
  psk.key.len = key_len;

  c = gkdc_client_new(GKDC_CLIENT_LOOP_OWN);
  if (c == NULL)
    goto out;
  s = gkdc_client_session_new(c, a->as_uri, &psk);
  if (s == NULL)
    goto out;

  memset(&msg, 0, sizeof(msg));
  msg.method = GKDC_POST;
  msg.path = a->path;
  msg.content_format = GKDC_CF_ACE_CBOR;
  msg.accept = GKDC_CF_NONE;
  msg.payload = request;
  msg.payload_len = request_len;
  msg.timeout_ms = TOKEN_TIMEOUT_MS;
  if (!gkdc_tool_call(c, s, &msg, &reply))
    goto out;

  printf("response %d.%02d from %s/%s\n", GKDC_CODE_CLASS(reply.code),
         GKDC_CODE_DETAIL(reply.code), a->as_uri, a->path);
  /* The Access Information carries the OSCORE Master Secret: only --out
   * gets it. */
  if (reply.payload_len > 0 &&
      !gkdc_tool_print_redacted(stdout, reply.payload, reply.payload_len, GKDC_DIAG_AS_ACE))
    printf("(the payload of %zu bytes is not valid CBOR; not shown)\n", reply.payload_len);
  printf("\n");

  if (reply.code != GKDC_CODE(2, 1)) {
    fprintf(stderr, "gkdc token: the AS did not issue a token\n");
    goto out;
  }
  if (!has_access_token(reply.payload, reply.payload_len)) {
    fprintf(stderr, "gkdc token: the response has no access_token\n");
    goto out;
  }
  if (a->out_file != NULL) {
    if (!gkdc_tool_write_file(a->out_file, reply.payload, reply.payload_len, 0600))
      goto out;
    printf("wrote the Access Information to %s\n", a->out_file);
  }
  ok = 1;

out:
  if (reply.payload != NULL)
    gkdc_wipe(reply.payload, reply.payload_len);
  gkdc_tool_reply_clear(&reply);
  gkdc_client_free(c);
  gkdc_wipe(key, sizeof(key));
  return ok;
}

int gkdc_cmd_token(int argc, char **argv) {
  static const struct option options[] = {
      {"as", required_argument, NULL, 'a'},
      {"psk-identity", required_argument, NULL, 'i'},
      {"psk-key", required_argument, NULL, 'k'},
      {"audience", required_argument, NULL, 'u'},
      {"scope", required_argument, NULL, 's'},
      {"out", required_argument, NULL, 'o'},
      {"path", required_argument, NULL, 'p'},
      {"verbose", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  struct token_args a;
  int opt, rc = GKDC_EXIT_FAILURE;

  memset(&a, 0, sizeof(a));
  a.path = "token";
  while ((opt = getopt_long(argc, argv, "vh", options, NULL)) != -1) {
    switch (opt) {
    case 'a':
      a.as_uri = optarg;
      break;
    case 'i':
      a.identity = optarg;
      break;
    case 'k':
      a.key_hex = optarg;
      break;
    case 'u':
      a.audience = optarg;
      break;
    case 's':
      a.scope = optarg;
      break;
    case 'o':
      a.out_file = optarg;
      break;
    case 'p':
      a.path = optarg;
      break;
    case 'v':
      a.verbose = 1;
      break;
    case 'h':
      print_usage(stdout);
      return GKDC_EXIT_OK;
    default:
      print_usage(stderr);
      return GKDC_EXIT_USAGE;
    }
  }
  if (optind < argc || a.as_uri == NULL || a.audience == NULL || a.scope == NULL) {
    fprintf(stderr, "gkdc token: --as, --audience and --scope are required\n");
    print_usage(stderr);
    return GKDC_EXIT_USAGE;
  }
  if (strncmp(a.as_uri, "coaps://", 8) == 0 && (a.identity == NULL || a.key_hex == NULL)) {
    fprintf(stderr, "gkdc token: a coaps AS needs --psk-identity and --psk-key\n");
    return GKDC_EXIT_USAGE;
  }

  gkdc_log_open("stderr", a.verbose ? GKDC_LOG_DEBUG : GKDC_LOG_WARNING);
  if (request_token(&a))
    rc = GKDC_EXIT_OK;
  gkdc_log_close();
  return rc;
}
