/* report-demo.c - source lines the report tests point their frames at, so
 * the HTML report can show code around each frame.  Not compiled. */
#include <pthread.h>

struct account { pthread_mutex_t lock; long balance; };

static void transfer(struct account *from, struct account *to, long amount)
{
	pthread_mutex_lock(&from->lock);
	pthread_mutex_lock(&to->lock);          /* second lock: the cycle closes here */
	from->balance -= amount;
	to->balance += amount;
	pthread_mutex_unlock(&to->lock);
	pthread_mutex_unlock(&from->lock);
}

static void *teller(void *arg)
{
	struct account **acc = arg;

	for (int i = 0; i < 1000; i++)
		transfer(acc[0], acc[1], 1);
	return NULL;
}

int main(void)
{
	pthread_t t[3];
	struct account a[3];
	struct account *pairs[3][2] = { { &a[0], &a[1] }, { &a[1], &a[2] }, { &a[2], &a[0] } };

	for (int i = 0; i < 3; i++)
		pthread_mutex_init(&a[i].lock, NULL);
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, teller, pairs[i]);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	return 0;
}
