/*
 * The gkdc executable: global options and dispatch to one subcommand.
 *
 *   gkdc [--help | --version] COMMAND [ARGS...]
 *
 * Exit codes: 0 success, 1 runtime failure, 2 usage error.
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <gkdc/plugin.h>

#include "commands.h"

struct gkdc_command {
  const char *name;
  gkdc_command_fn fn;
  const char *summary;
};

/* The subcommands, in the order `gkdc --help` lists them. */
static const struct gkdc_command commands[] = {
    {"serve", gkdc_cmd_serve, "run a host: load the plugins of a config file and serve CoAP"},
    {"token", gkdc_cmd_token, "request an access token from an ACE AS over DTLS"},
    {"join", gkdc_cmd_join, "post a token to a KDC and use the derived OSCORE context"},
    {"keygen", gkdc_cmd_keygen, "make a key pair and its CCS credential"},
    {"demo", gkdc_cmd_demo, "run an AS, a KDC and two joining nodes on loopback and compare"},
    {"inspect", gkdc_cmd_inspect, "print CBOR, CWT, credentials or COSE objects as diagnostic notation"},
};

#define COMMAND_COUNT (sizeof(commands) / sizeof(commands[0]))

static void print_usage(FILE *out) {
  size_t i;

  fprintf(out,
          "Usage: gkdc [--help | --version] COMMAND [ARGS...]\n"
          "\n"
          "gkdc is an ACE Key Distribution Center for group communication\n"
          "(RFC 9594) with the OSCORE Group Manager as its first application.\n"
          "\n"
          "Commands:\n");
  for (i = 0; i < COMMAND_COUNT; i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(out,
          "\n"
          "Options:\n"
          "  -h, --help     print this help and exit\n"
          "  -V, --version  print the version and the plugin ABI version, then exit\n"
          "\n"
          "Run `gkdc COMMAND --help` for the options of a command.\n"
          "Exit status: 0 success, 1 runtime failure, 2 usage error.\n");
}

static void print_version(void) {
  printf("gkdc %s\n", PACKAGE_VERSION);
  printf("plugin ABI %d.%d\n", GKDC_ABI_MAJOR, GKDC_ABI_MINOR);
}

static const struct gkdc_command *find_command(const char *name) {
  size_t i;

  for (i = 0; i < COMMAND_COUNT; i++) {
    if (strcmp(commands[i].name, name) == 0)
      return &commands[i];
  }
  return NULL;
}

int main(int argc, char **argv) {
  static const struct option options[] = {
      {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},
      {NULL, 0, NULL, 0},
  };
  const struct gkdc_command *cmd;
  int opt;

  /* "+": stop at the first non-option, which is the command name. */
  while ((opt = getopt_long(argc, argv, "+hV", options, NULL)) != -1) {
    switch (opt) {
    case 'h':
      print_usage(stdout);
      return GKDC_EXIT_OK;
    case 'V':
      print_version();
      return GKDC_EXIT_OK;
    default:
      print_usage(stderr);
      return GKDC_EXIT_USAGE;
    }
  }

  if (optind >= argc) {
    fprintf(stderr, "gkdc: missing command\n\n");
    print_usage(stderr);
    return GKDC_EXIT_USAGE;
  }

  cmd = find_command(argv[optind]);
  if (cmd == NULL) {
    fprintf(stderr, "gkdc: unknown command '%s'; run `gkdc --help` for the list\n",
            argv[optind]);
    return GKDC_EXIT_USAGE;
  }
  /* The command gets its own name as argv[0] and parses from scratch. */
  argc -= optind;
  argv += optind;
  optind = 0;
  return cmd->fn(argc, argv);
}
