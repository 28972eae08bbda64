/*
 * elfcheck.c - can LD_PRELOAD reach this program?
 *
 * Only the dynamic loader honours LD_PRELOAD, so the program must name one
 * (PT_INTERP; a static-pie has PT_DYNAMIC but no interpreter and no
 * preloading).  The loader also ignores preloads from arbitrary paths for
 * set-uid / set-gid programs.  A "#!" script is fine: its interpreter is
 * what runs, and is checked when the kernel starts it.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* Reads n bytes at off; 0 or -errno (-ENOEXEC for a short file). */
static int elf_pread(int fd, void *buf, size_t n, off_t off)
{
	ssize_t r = pread(fd, buf, n, off);

	if (r < 0)
		return -errno;
	return (size_t)r == n ? 0 : -ENOEXEC;
}

static int elf_has_interp(int fd, const unsigned char *ident)
{
	int is64 = ident[EI_CLASS] == ELFCLASS64;
	uint64_t phoff;
	unsigned phnum, phentsize;

	if (is64) {
		Elf64_Ehdr eh;

		if (elf_pread(fd, &eh, sizeof(eh), 0))
			return -ENOEXEC;
		phoff = eh.e_phoff;
		phnum = eh.e_phnum;
		phentsize = eh.e_phentsize;
	} else {
		Elf32_Ehdr eh;

		if (elf_pread(fd, &eh, sizeof(eh), 0))
			return -ENOEXEC;
		phoff = eh.e_phoff;
		phnum = eh.e_phnum;
		phentsize = eh.e_phentsize;
	}
	for (unsigned i = 0; i < phnum; i++) {
		uint32_t type;

		if (elf_pread(fd, &type, sizeof(type), (off_t)(phoff + (uint64_t)i * phentsize)))
			return -ENOEXEC;
		if (type == PT_INTERP)
			return 1;
	}
	return 0;
}

int lh_elf_check(const char *path, const char **why)
{
	unsigned char ident[EI_NIDENT];
	struct stat st;
	int fd, rc;

	*why = "";
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		*why = strerror(-rc);
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		*why = strerror(-rc);
		close(fd);
		return rc;
	}
	if (st.st_mode & (S_ISUID | S_ISGID)) {
		*why = "it is set-uid or set-gid: the dynamic loader ignores LD_PRELOAD for it";
		close(fd);
		return -EPERM;
	}
	rc = elf_pread(fd, ident, 2, 0);
	if (rc == 0 && ident[0] == '#' && ident[1] == '!') {
		close(fd);
		return 0;
	}
	if (rc == 0)
		rc = elf_pread(fd, ident, sizeof(ident), 0);
	if (rc || memcmp(ident, ELFMAG, SELFMAG) != 0) {
		/* not ELF and not a script: let execve say what it thinks */
		close(fd);
		return 0;
	}
	rc = elf_has_interp(fd, ident);
	close(fd);
	if (rc == 0) {
		*why = "it is statically linked: LD_PRELOAD cannot load the lockhound shim into it";
		return -ENOEXEC;
	}
	return rc < 0 ? rc : 0;
}
