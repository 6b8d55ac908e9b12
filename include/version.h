/* version: the program's version, printed by --version and stored as provenance_version in
 * every file. Defined here only. */
#ifndef PS_VERSION_H
#define PS_VERSION_H

#define PS_VERSION "0.1.0"

#endif
