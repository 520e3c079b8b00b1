/*
 * Subcommands of the gkdc executable.
 *
 * main() in gkdc.c looks the first non-option argument up in its command
 * table and calls the matching function with the remaining arguments:
 * argv[0] is the subcommand name ("serve"), argv[1..argc-1] its arguments,
 * and getopt's state is reset (optind = 0), so the function parses its own
 * options with getopt_long. Every subcommand accepts --help, prints its
 * usage to stdout and returns GKDC_EXIT_OK for it.
 *
 * Adding a subcommand is one prototype here and one line in the table of
 * gkdc.c.
 */
#ifndef GKDC_COMMANDS_H
#define GKDC_COMMANDS_H

/* Exit codes of gkdc and of every subcommand. */
enum gkdc_exit {
  GKDC_EXIT_OK = 0,      /* success, including --help */
  GKDC_EXIT_FAILURE = 1, /* a runtime failure, already logged */
  GKDC_EXIT_USAGE = 2,   /* invalid options or arguments */
};

/* A subcommand's entry point; returns an enum gkdc_exit value. */
typedef int (*gkdc_command_fn)(int argc, char **argv);

/* `gkdc serve -c FILE`: runs a host (cmd_serve.c). */
int gkdc_cmd_serve(int argc, char **argv);

/* `gkdc inspect ...`: prints CBOR, CWT, credentials and COSE objects as
 * CBOR diagnostic notation (cmd_inspect.c). */
int gkdc_cmd_inspect(int argc, char **argv);

/* `gkdc token`, `gkdc keygen`, `gkdc join`: the client side (cmd_token.c,
 * cmd_keygen.c, cmd_join.c). */
int gkdc_cmd_token(int argc, char **argv);
int gkdc_cmd_keygen(int argc, char **argv);
int gkdc_cmd_join(int argc, char **argv);

/* `gkdc demo`: an AS, a KDC and two joining nodes on loopback (cmd_demo.c). */
int gkdc_cmd_demo(int argc, char **argv);

#endif /* GKDC_COMMANDS_H */
