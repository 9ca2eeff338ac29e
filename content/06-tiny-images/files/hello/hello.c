/* hello: a tiny program that greets you and shows the world it runs in.
 * It prints its PID and what its root directory holds, so the same binary
 * tells you how much (or how little) an image has around it. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int visible(const struct dirent *entry)
{
	return strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0;
}

int main(void)
{
	struct dirent **entries;
	int n, i;

	printf("Hello from a tiny image! I am PID %d.\n", (int)getpid());
	n = scandir("/", &entries, visible, alphasort);
	if (n < 0) {
		perror("scandir /");
		return 1;
	}
	printf("My / holds %d entries:", n);
	for (i = 0; i < n; i++) {
		printf(" %s", entries[i]->d_name);
		free(entries[i]);
	}
	printf("\n");
	free(entries);
	return 0;
}
