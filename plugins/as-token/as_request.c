/*
 * as-token: POST /token (RFC 9200 section 5.8).
 *
 * The client is the peer of the DTLS session, chosen by its PSK identity;
 * a request over plain CoAP (or OSCORE) gets 4.01 with invalid_client,
 * because nothing authenticates its sender. The payload is a CBOR map
 * with Content-Format 19 (application/ace+cbor). A request without a
 * Content-Format option is read the same way, because the Java ACE client
 * sends none; any other Content-Format gets 4.15.
 *
 * Errors follow RFC 9200 section 5.8.3: 4.00 (4.01 for invalid_client)
 * with Content-Format 19 and {30: error, 31: error_description}.
 */
#include <string.h>

#include <gkdc/cbor.h>
#include <gkdc/crypto.h>

#include "as_internal.h"

/* Upper bound of a request body; a valid one is far smaller. */
#define MAX_REQUEST 2048

/* Sets an OAuth error response. */
static int reply_error(struct gkdc_response *resp, int error, const char *description)
{
  uint8_t buf[160];
  struct gkdc_cbor_enc e;
  size_t len = 0;
  uint8_t code;

  if (error < GKDC_AS_ERR_INVALID_REQUEST || error > GKDC_AS_ERR_INCOMPATIBLE_ACE_PROFILES) {
    gkdc_response_set(resp, GKDC_CODE(5, 0), GKDC_CF_NONE, NULL, 0);
    return GKDC_HANDLED;
  }

  code = error == GKDC_AS_ERR_INVALID_CLIENT ? GKDC_CODE(4, 1) : GKDC_CODE(4, 0);
  gkdc_cbor_enc_init(&e, buf, sizeof(buf));
  gkdc_cbor_enc_put_map(&e, 2);
  gkdc_cbor_enc_put_uint(&e, GKDC_OAUTH_ERROR);
  gkdc_cbor_enc_put_uint(&e, (uint64_t)error);
  gkdc_cbor_enc_put_uint(&e, GKDC_OAUTH_ERROR_DESCRIPTION);
  gkdc_cbor_enc_put_tstr_z(&e, description);
  if (gkdc_cbor_enc_finish(&e, &len) != GKDC_CBOR_OK)
    len = 0;
  gkdc_response_set(resp, code, GKDC_CF_ACE_CBOR, buf, len);
  return GKDC_HANDLED;
}

/* The description sent with an error of token_issue. */
static const char *describe(int error)
{
  switch (error) {
  case GKDC_AS_ERR_INVALID_REQUEST:
    return "invalid request: unknown audience or invalid req_cnf";
  case GKDC_AS_ERR_INVALID_CLIENT:
    return "unknown client";
  case GKDC_AS_ERR_INVALID_SCOPE:
    return "scope not allowed";
  case GKDC_AS_ERR_UNSUPPORTED_POP_KEY:
    return "only req_cnf {3: id} of an earlier token is supported";
  case GKDC_AS_ERR_INCOMPATIBLE_ACE_PROFILES:
    return "this AS issues tokens for coap_oscore only";
  default:
    return "error";
  }
}

/* A parsed request and the storage its strings live in. */
struct parsed {
  struct gkdc_as_token_request req;
  char audience[AS_MAX_NAME + 1];
  char client_id[AS_MAX_NAME + 1];
  int has_client_id;
};

/* Copies a text string into a NUL-terminated buffer; 0 when it is empty,
 * too long or contains a NUL byte. */
static int copy_text(struct gkdc_bytes s, char *buf, size_t cap)
{
  if (s.len == 0 || s.len >= cap || memchr(s.ptr, 0, s.len) != NULL)
    return 0;
  memcpy(buf, s.ptr, s.len);
  buf[s.len] = '\0';
  return 1;
}

/*
 * Reads one parameter of the request map. Returns 1, or 0 with *error and
 * *description set. Unknown parameters are skipped (RFC 6749 section 3.1).
 */
static int read_param(struct gkdc_cbor_dec *d, int64_t key, struct parsed *p, int *error,
                      const char **description)
{
  struct gkdc_bytes s;
  uint64_t grant;
  int64_t profile;

  *error = GKDC_AS_ERR_INVALID_REQUEST;
  switch (key) {
  case GKDC_OAUTH_GRANT_TYPE:
    *description = "grant_type must be an unsigned integer";
    if (!gkdc_cbor_dec_get_uint(d, &grant))
      return 0;
    if (grant != 2) {
      *error = GKDC_AS_ERR_UNSUPPORTED_GRANT_TYPE;
      *description = "only client_credentials (2) is supported";
      return 0;
    }
    return 1;
  case GKDC_OAUTH_AUDIENCE:
    *description = "audience must be a text string of 1 to 255 bytes";
    if (!gkdc_cbor_dec_get_tstr(d, &s) || !copy_text(s, p->audience, sizeof(p->audience)))
      return 0;
    p->req.audience = p->audience;
    return 1;
  case GKDC_OAUTH_SCOPE:
    *description = "scope must be a byte or text string";
    if (gkdc_cbor_dec_peek_type(d) == GKDC_CBOR_TYPE_TSTR) {
      p->req.scope_is_text = 1;
      return gkdc_cbor_dec_get_tstr(d, &p->req.scope);
    }
    return gkdc_cbor_dec_get_bstr(d, &p->req.scope);
  case GKDC_OAUTH_ACE_PROFILE:
    *description = "ace_profile must be an integer or null";
    if (gkdc_cbor_dec_peek_type(d) == GKDC_CBOR_TYPE_NULL) {
      p->req.ace_profile = 0;
      return gkdc_cbor_dec_get_null(d);
    }
    if (!gkdc_cbor_dec_get_int(d, &profile) || profile <= 0 || profile > INT32_MAX)
      return 0;
    p->req.ace_profile = (int32_t)profile;
    return 1;
  case GKDC_OAUTH_REQ_CNF:
    *description = "req_cnf must be a map";
    if (gkdc_cbor_dec_peek_type(d) != GKDC_CBOR_TYPE_MAP)
      return 0;
    return gkdc_cbor_dec_get_raw(d, &p->req.req_cnf);
  case GKDC_OAUTH_CNONCE:
    *description = "cnonce must be a byte string of at most 64 bytes";
    return gkdc_cbor_dec_get_bstr(d, &p->req.cnonce) && p->req.cnonce.len <= AS_MAX_CNONCE;
  case GKDC_OAUTH_CLIENT_ID:
    *description = "client_id must be a text string of 1 to 255 bytes";
    if (!gkdc_cbor_dec_get_tstr(d, &s) || !copy_text(s, p->client_id, sizeof(p->client_id)))
      return 0;
    p->has_client_id = 1;
    return 1;
  default:
    return gkdc_cbor_dec_skip(d);
  }
}

/* Parses the request map. Returns 1, or 0 with *error and *description. */
static int parse_request(const uint8_t *payload, size_t len, struct parsed *p, int *error,
                         const char **description)
{
  struct gkdc_cbor_dec d;
  size_t pairs = 0, i;

  *error = GKDC_AS_ERR_INVALID_REQUEST;
  *description = "the payload must be one CBOR map";
  if (len == 0 || len > MAX_REQUEST ||
      gkdc_cbor_dec_init(&d, payload, len, NULL) != GKDC_CBOR_OK ||
      gkdc_cbor_dec_peek_type(&d) != GKDC_CBOR_TYPE_MAP || !gkdc_cbor_dec_enter_map(&d, &pairs))
    return 0;

  for (i = 0; i < pairs; i++) {
    enum gkdc_cbor_type t = gkdc_cbor_dec_peek_type(&d);
    int64_t key;

    if (t != GKDC_CBOR_TYPE_UINT && t != GKDC_CBOR_TYPE_NEGINT) {
      /* A text key is a JSON name, which CBOR requests do not use. */
      if (!gkdc_cbor_dec_skip(&d) || !gkdc_cbor_dec_skip(&d))
        return 0;
      continue;
    }
    /* A key beyond the int64_t range is rejected as malformed. */
    if (!gkdc_cbor_dec_get_int(&d, &key) || !read_param(&d, key, p, error, description))
      return 0;
  }

  *error = GKDC_AS_ERR_INVALID_REQUEST;
  *description = "the payload must be one CBOR map";
  return gkdc_cbor_dec_exit(&d) && gkdc_cbor_dec_finish(&d) == GKDC_CBOR_OK;
}

/* Sets the 2.01 response with the Access Information. */
static int reply_token(struct gkdc_response *resp, const struct gkdc_as_token *t,
                       int scope_changed)
{
  uint8_t buf[AS_MAX_TOKEN + AS_MAX_CNF + AS_MAX_SCOPE + 32];
  struct gkdc_cbor_enc e;
  size_t mark, pairs = 3, len = 0;

  gkdc_cbor_enc_init(&e, buf, sizeof(buf));
  mark = gkdc_cbor_enc_map_begin(&e);
  gkdc_cbor_enc_put_uint(&e, GKDC_OAUTH_ACCESS_TOKEN);
  gkdc_cbor_enc_put_bstr(&e, t->access_token, t->access_token_len);
  gkdc_cbor_enc_put_uint(&e, GKDC_OAUTH_EXPIRES_IN);
  gkdc_cbor_enc_put_uint(&e, (uint64_t)t->expires_in);
  gkdc_cbor_enc_put_uint(&e, GKDC_OAUTH_ACE_PROFILE);
  gkdc_cbor_enc_put_int(&e, t->ace_profile);
  if (t->cnf_len > 0) {
    gkdc_cbor_enc_put_uint(&e, GKDC_OAUTH_CNF);
    gkdc_cbor_enc_put_raw(&e, t->cnf, t->cnf_len);
    pairs++;
  }
  if (scope_changed) {
    gkdc_cbor_enc_put_uint(&e, GKDC_OAUTH_SCOPE);
    gkdc_cbor_enc_put_bstr(&e, t->scope, t->scope_len);
    pairs++;
  }
  gkdc_cbor_enc_map_end(&e, mark, pairs);

  if (gkdc_cbor_enc_finish(&e, &len) != GKDC_CBOR_OK ||
      !gkdc_response_set(resp, GKDC_CODE(2, 1), GKDC_CF_ACE_CBOR, buf, len))
    gkdc_response_set(resp, GKDC_CODE(5, 0), GKDC_CF_NONE, NULL, 0);
  /* The response has its own copy; the Master Secret goes from the stack. */
  gkdc_wipe(buf, sizeof(buf));
  return GKDC_HANDLED;
}

int as_token_handler(void *arg, const struct gkdc_request *req, struct gkdc_response *resp)
{
  struct as_state *st = arg;
  const struct gkdc_peer *peer = req->peer;
  const struct as_client *client;
  struct parsed p;
  struct gkdc_as_token t;
  uint8_t token[AS_MAX_TOKEN], cnf[AS_MAX_CNF], scope[AS_MAX_SCOPE], cti[AS_MAX_CTI];
  const char *description = "";
  int error = GKDC_AS_OK, result;

  if (req->method != GKDC_POST) {
    gkdc_response_set(resp, GKDC_CODE(4, 5), GKDC_CF_NONE, NULL, 0);
    return GKDC_HANDLED;
  }

  /* Only a DTLS session authenticates the client. */
  if (peer == NULL || peer->transport != GKDC_TRANSPORT_DTLS || peer->identity.len == 0) {
    as_log(st, GKDC_LOG_INFO, "/token from %s rejected: not over DTLS with a PSK",
           peer != NULL && peer->address != NULL ? peer->address : "?");
    return reply_error(resp, GKDC_AS_ERR_INVALID_CLIENT,
                       "the token endpoint needs DTLS with a pre-shared key");
  }
  client = as_client_by_identity(st, peer->identity.ptr, peer->identity.len);
  if (client == NULL) {
    as_log(st, GKDC_LOG_INFO, "/token from %s rejected: unknown PSK identity",
           peer->address != NULL ? peer->address : "?");
    return reply_error(resp, GKDC_AS_ERR_INVALID_CLIENT, describe(GKDC_AS_ERR_INVALID_CLIENT));
  }

  if (req->content_format != GKDC_CF_NONE && req->content_format != GKDC_CF_ACE_CBOR) {
    as_log(st, GKDC_LOG_INFO, "/token from client %s rejected: Content-Format %d",
           client->id, (int)req->content_format);
    gkdc_response_set(resp, GKDC_CODE(4, 15), GKDC_CF_NONE, NULL, 0);
    return GKDC_HANDLED;
  }

  memset(&p, 0, sizeof(p));
  p.req.size = sizeof(p.req);
  p.req.ace_profile = -1;
  if (!parse_request(req->payload, req->payload_len, &p, &error, &description)) {
    as_log(st, GKDC_LOG_INFO, "/token from client %s rejected: %s", client->id,
           description);
    return reply_error(resp, error, description);
  }
  if (p.has_client_id && strcmp(p.client_id, client->id) != 0) {
    as_log(st, GKDC_LOG_INFO, "/token from client %s rejected: client_id names another "
           "client", client->id);
    return reply_error(resp, GKDC_AS_ERR_INVALID_CLIENT,
                       "client_id does not match the DTLS identity");
  }
  p.req.client_id = client->id;

  memset(&t, 0, sizeof(t));
  t.size = sizeof(t);
  t.access_token = token;
  t.access_token_len = sizeof(token);
  t.cnf = cnf;
  t.cnf_len = sizeof(cnf);
  t.scope = scope;
  t.scope_len = sizeof(scope);
  t.cti = cti;
  t.cti_len = sizeof(cti);
  if (!as_token_issue(st, &p.req, &t, &error))
    result = reply_error(resp, error, describe(error));
  else
    result = reply_token(resp, &t, p.req.scope.ptr == NULL);

  gkdc_wipe(cnf, sizeof(cnf));
  return result;
}
