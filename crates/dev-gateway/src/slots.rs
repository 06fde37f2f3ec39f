//! The places under the connection cap, and eviction.
//!
//! Each connection holds one place ([`Place`]) from accept until its
//! socket closes (an upgraded WebSocket included). Each says what its
//! connection is doing ([`Phase`]). When every place is taken and another
//! connection arrives, the connection that has waited longest for the
//! client gives up its place: first one waiting for a request head (new,
//! or kept alive between requests), then one reading a request body, then
//! a WebSocket that has not authenticated. A connection whose request is
//! being handled, or an authenticated WebSocket, is never evicted; when
//! every place is held by one, a new connection waits for a place (in the
//! listen backlog, beyond the one being placed).
//!
//! So clients that open connections and then send nothing, or trickle
//! their heads, cannot hold every place for the header-read timeout: each
//! new arrival, a real client's included, takes the place of the stalest
//! of them, and a real client, which sends its head at once, is never the
//! stalest.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::{Notify, OwnedSemaphorePermit};

/// What a connection is doing, in the order connections are evicted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Phase {
    /// Waiting for a request head: a new connection, or one kept alive
    /// between requests.
    Head,
    /// Reading a request body.
    Body,
    /// A WebSocket that has not authenticated.
    Socket,
    /// Handling a request or answering it, or an authenticated WebSocket:
    /// never evicted.
    Busy,
}

impl Phase {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Phase::Head => "waiting for its request head",
            Phase::Body => "reading its request body",
            Phase::Socket => "an unauthenticated WebSocket",
            Phase::Busy => "busy",
        }
    }
}

/// One connection's standing.
pub(crate) struct Slot {
    id: u64,
    /// The phase, and since when.
    phase: Mutex<(Phase, Instant)>,
    evicted: AtomicBool,
    notify: Notify,
}

impl Slot {
    /// Enter `phase` (its clock starts now, unless it is already in it).
    pub(crate) fn set(&self, phase: Phase) {
        let mut p = self.phase.lock().unwrap_or_else(|e| e.into_inner());
        if p.0 != phase {
            *p = (phase, Instant::now());
        }
    }

    fn standing(&self) -> (Phase, Instant) {
        *self.phase.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Completes once the connection has been evicted: it must close.
    pub(crate) async fn evicted(&self) {
        // `notify_one` keeps a permit for a waiter that comes later.
        if !self.evicted.load(Ordering::Acquire) {
            self.notify.notified().await;
        }
    }
}

/// Every connection's standing.
#[derive(Default)]
pub(crate) struct Slots {
    live: Mutex<HashMap<u64, Arc<Slot>>>,
    next: AtomicU64,
}

impl Slots {
    /// A place for a new connection, holding `permit` (its place under the
    /// cap) until it is dropped. It starts waiting for its head.
    pub(crate) fn place(self: &Arc<Self>, permit: OwnedSemaphorePermit) -> Place {
        let slot = Arc::new(Slot {
            id: self.next.fetch_add(1, Ordering::Relaxed),
            phase: Mutex::new((Phase::Head, Instant::now())),
            evicted: AtomicBool::new(false),
            notify: Notify::new(),
        });
        self.lock().insert(slot.id, slot.clone());
        Place {
            slot,
            slots: self.clone(),
            _permit: permit,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Slot>>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Evict the connection that has waited longest in the earliest
    /// evictable phase; what it was doing and for how long, or `None`
    /// when every connection is busy.
    pub(crate) fn evict_one(&self) -> Option<(Phase, std::time::Duration)> {
        let live = self.lock();
        let (slot, (phase, since)) = live
            .values()
            .filter(|s| !s.evicted.load(Ordering::Acquire))
            .map(|s| (s, s.standing()))
            .filter(|(_, (phase, _))| *phase != Phase::Busy)
            .min_by_key(|(_, standing)| *standing)?;
        slot.evicted.store(true, Ordering::Release);
        slot.notify.notify_one();
        Some((phase, since.elapsed()))
    }
}

/// A connection's place under the cap: given back, and forgotten, when it
/// is dropped (with the connection's socket).
pub(crate) struct Place {
    pub(crate) slot: Arc<Slot>,
    slots: Arc<Slots>,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Place {
    fn drop(&mut self) {
        self.slots.lock().remove(&self.slot.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::Semaphore;

    #[tokio::test]
    async fn the_stalest_connection_in_the_earliest_phase_goes_first() {
        let slots = Arc::new(Slots::default());
        let permits = Arc::new(Semaphore::new(4));
        let take = || slots.place(permits.clone().try_acquire_owned().unwrap());
        let (old_head, busy, body, new_head) = (take(), take(), take(), take());
        busy.slot.set(Phase::Busy);
        body.slot.set(Phase::Body);
        std::thread::sleep(std::time::Duration::from_millis(5));
        new_head.slot.set(Phase::Busy);
        new_head.slot.set(Phase::Head);
        // Both wait for a head: the older first; then the body; never the
        // busy one.
        assert_eq!(slots.evict_one().map(|e| e.0), Some(Phase::Head));
        old_head.slot.evicted().await;
        assert_eq!(slots.evict_one().map(|e| e.0), Some(Phase::Head));
        new_head.slot.evicted().await;
        assert_eq!(slots.evict_one().map(|e| e.0), Some(Phase::Body));
        assert_eq!(slots.evict_one(), None);
        drop((old_head, new_head, body));
        assert_eq!(permits.available_permits(), 3);
        assert_eq!(slots.lock().len(), 1);
        drop(busy);
    }
}
