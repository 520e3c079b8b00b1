/*
 * gkdc plugin SDK: the as plugin kind (an ACE Authorization Server).
 *
 * The as plugin serves the token endpoint of RFC 9200 section 5.8 (route
 * "token", POST, application/ace+cbor) for self-contained runs and tests:
 * it authenticates the client through the secure channel the request came
 * in on, decides which scope to grant, and issues a CWT access token
 * protected for the audience (COSE_Encrypt0 or COSE_Sign1 with a key shared
 * with, or trusted by, the resource server).
 *
 * as-token also reads a /token request without a Content-Format, because
 * the Java ACE client sends none.
 *
 * The operations below let tools and tests issue and revoke tokens without
 * a CoAP round trip; the route handler uses the same code. There is one as
 * plugin per host (host->get_as()).
 *
 * Operations return 1 on success and 0 on failure; where an `err` pointer is
 * passed and is not NULL, a failing operation stores an enum gkdc_as_err
 * value there.
 */
#ifndef GKDC_AS_H
#define GKDC_AS_H

#include <stddef.h>
#include <stdint.h>

#include <gkdc/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* OAuth Parameters CBOR Mappings used at /token (RFC 9200 section 5.8). */
#define GKDC_OAUTH_ACCESS_TOKEN 1
#define GKDC_OAUTH_EXPIRES_IN 2
#define GKDC_OAUTH_REQ_CNF 4
#define GKDC_OAUTH_AUDIENCE 5
#define GKDC_OAUTH_CNF 8
#define GKDC_OAUTH_SCOPE 9
#define GKDC_OAUTH_CLIENT_ID 24
#define GKDC_OAUTH_ERROR 30
#define GKDC_OAUTH_ERROR_DESCRIPTION 31
#define GKDC_OAUTH_GRANT_TYPE 33
#define GKDC_OAUTH_TOKEN_TYPE 34
#define GKDC_OAUTH_ACE_PROFILE 38
#define GKDC_OAUTH_CNONCE 39
#define GKDC_OAUTH_RS_CNF 41

/* ace_profile values (RFC 9200 "ACE Profile" registry). */
#define GKDC_ACE_PROFILE_COAP_DTLS 1
#define GKDC_ACE_PROFILE_COAP_OSCORE 2

/*
 * Error codes of a token request. Values 1 to 8 are the OAuth error codes of
 * RFC 9200 section 5.8.3 and go on the wire as `error`; the others are
 * local and are sent as 5.00 without a body.
 */
enum gkdc_as_err {
  GKDC_AS_OK = 0,
  GKDC_AS_ERR_INVALID_REQUEST = 1,
  GKDC_AS_ERR_INVALID_CLIENT = 2,
  GKDC_AS_ERR_INVALID_GRANT = 3,
  GKDC_AS_ERR_UNAUTHORIZED_CLIENT = 4,
  GKDC_AS_ERR_UNSUPPORTED_GRANT_TYPE = 5,
  GKDC_AS_ERR_INVALID_SCOPE = 6,
  GKDC_AS_ERR_UNSUPPORTED_POP_KEY = 7,
  GKDC_AS_ERR_INCOMPATIBLE_ACE_PROFILES = 8,
  GKDC_AS_ERR_BUFFER = 256,   /* caller's output buffer too small */
  GKDC_AS_ERR_INTERNAL = 257, /* crypto or storage failure */
};

/* A token request as the AS decides on it. Empty views mean "absent". */
struct gkdc_as_token_request {
  uint32_t size;
  const char *client_id;      /* id of the authenticated client (required) */
  const char *audience;       /* `audience`, NUL-terminated; NULL: the client's default */
  struct gkdc_bytes scope;    /* `scope` bstr content (e.g. AIF), or tstr bytes */
  int scope_is_text;          /* 1 when `scope` was a tstr */
  int32_t ace_profile;        /* requested profile, -1: absent, 0: null (ask) */
  struct gkdc_bytes req_cnf;  /* encoded `req_cnf` map */
  struct gkdc_bytes cnonce;   /* `cnonce` from the RS's creation hints */
};

/*
 * An issued token. The caller provides the buffers and their capacities
 * in the *_len fields; the AS writes the lengths.
 */
struct gkdc_as_token {
  uint32_t size;
  uint8_t *access_token;      /* the CWT as sent in `access_token` */
  size_t access_token_len;
  uint8_t *cnf;               /* encoded `cnf` for the client, e.g. {4: OSCORE input material} */
  size_t cnf_len;             /* 0: the response carries no cnf */
  uint8_t *scope;             /* granted scope, bstr content */
  size_t scope_len;
  uint8_t *cti;               /* the token's `cti` claim */
  size_t cti_len;
  int64_t expires_in;         /* seconds */
  int32_t ace_profile;
};

/*
 * The as operation table. `st` is the state the plugin's init returned.
 */
struct gkdc_as_ops {
  uint32_t size;

  /* Path of the token endpoint, e.g. "token". */
  const char *token_path;

  /*
   * Issues a token for `req` into `out`, applying the same checks as the
   * token endpoint: the client is known, the audience is one it may use,
   * the scope is acceptable for it (as-token: a subset of its allowed
   * scope), and the PoP key request is acceptable. `req->client_id` names
   * a client that the caller has authenticated. Fails with an OAuth error
   * code, GKDC_AS_ERR_BUFFER or GKDC_AS_ERR_INTERNAL in *err; then `out`
   * holds nothing valid.
   */
  int (*token_issue)(void *st, const struct gkdc_as_token_request *req,
                     struct gkdc_as_token *out, int *err);

  /* Marks the token with `cti` as revoked for introspection. Unknown ids
   * fail with GKDC_AS_ERR_INVALID_REQUEST. as-token keeps only the tokens
   * it issued since it started. */
  int (*token_revoke)(void *st, struct gkdc_bytes cti, int *err);

  /*
   * Introspection (RFC 9200 section 5.9): sets *active to 1 when the token
   * `token` was issued here, is not revoked and has not expired at `now`
   * (Unix seconds), else 0. Optional (may be NULL).
   */
  int (*introspect)(void *st, const uint8_t *token, size_t token_len,
                    int64_t now, int *active, int *err);
};

#ifdef __cplusplus
}
#endif

#endif /* GKDC_AS_H */
