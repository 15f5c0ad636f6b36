#include "engine/base/BackgroundThread.h"

#include <pthread.h>
#include <sched.h>

namespace keywarden::engine {

void markBackgroundThread(const char* name) {
  pthread_setname_np(pthread_self(), name);  // at most 15 characters
  sched_param sp{};
  sp.sched_priority = 0;
  pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);  // best effort: ignore a refusal
}

}  // namespace keywarden::engine
