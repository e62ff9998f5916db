// SPDX-License-Identifier: ISC
// The two ends of a tunnel.
#ifndef JTUNNEL_H
#define JTUNNEL_H

#include "options.h"

[[noreturn]] void client_run(const struct options *o);
[[noreturn]] void server_run(const struct options *o);

#endif
