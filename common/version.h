/* version.h: hookprof's version, defined once for the launcher and hookprof-analyze. */
#ifndef HP_COMMON_VERSION_H
#define HP_COMMON_VERSION_H

#define HP_VERSION "0.1.0"

#endif
