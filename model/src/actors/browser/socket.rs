//! `WebSocketManager` — convex-js `src/browser/sync/web_socket_manager.ts`: socket
//! state disconnected / connecting / ready / stopped with the paused sub-state,
//! `sendMessage`, `pause`, `resume`, `stop`, `tryRestart`, `connect` and the
//! reconnect after an unexpected close.
//!
//! Abstracted on purpose: backoff durations and jitter (the reconnect timer fires at
//! some later point), the server-inactivity timer, the `online` listener, and
//! `terminate()` (the client is never closed in a check).
//!
//! Version switch: `ignore_messages_after_close` (8902506, 1.28.0) — since then
//! `close()` replaces `onmessage`, so messages of a closing socket are ignored.

use serde::Serialize;
use stateright::actor::model_timeout;

use super::{Await, Ctx, Tab};
use crate::actors::{server_id, Msg, Timer};
use crate::config::Switches;

/// `paused` of a ready socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum ReadyPause {
    No,
    Yes,
    /// Opened while paused: `onOpen` has not run yet.
    Uninitialized,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub enum SocketState {
    /// Waiting for the reconnect backoff timer.
    #[default]
    Disconnected,
    Connecting {
        socket: u8,
        paused: bool,
    },
    Ready {
        socket: u8,
        paused: ReadyPause,
    },
    /// Closed by `stop()`; only `tryRestart()` connects again.
    Stopped,
}

impl std::fmt::Display for SocketState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SocketState::Disconnected => f.write_str("disconnected"),
            SocketState::Connecting { socket, paused } => {
                write!(
                    f,
                    "connecting #{socket}{}",
                    if *paused { " (paused)" } else { "" }
                )
            }
            SocketState::Ready { socket, paused } => write!(
                f,
                "ready #{socket}{}",
                match paused {
                    ReadyPause::No => "",
                    ReadyPause::Yes => " (paused)",
                    ReadyPause::Uninitialized => " (paused, uninitialized)",
                }
            ),
            SocketState::Stopped => f.write_str("stopped"),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct SocketManager {
    pub state: SocketState,
    /// Id of the last WebSocket created.
    pub last_socket: u8,
    /// Sockets closed by the client whose close event has not arrived yet.
    pub closing: Vec<u8>,
    /// With the proposal (`proposal_keep_trying`): a `pause()` that no
    /// `resume()` has ended yet, which the next `connect()` keeps (the patch's
    /// `pauseRequested`). Always false without it: in 1.49.0 a new WebSocket
    /// starts unpaused.
    pub pause_held: bool,
}

impl SocketManager {
    /// `sendMessage` sends only when `ready` and not paused.
    pub fn can_send(&self) -> bool {
        matches!(
            self.state,
            SocketState::Ready {
                paused: ReadyPause::No,
                ..
            }
        )
    }

    /// Whether WebSocket `socket` is the ready one (its messages reach `onMessage`).
    pub fn is_ready_on(&self, socket: u8) -> bool {
        matches!(self.state, SocketState::Ready { socket: s, .. } if s == socket)
    }

    /// The id of the live WebSocket, if any.
    pub fn live_socket(&self) -> Option<u8> {
        match self.state {
            SocketState::Connecting { socket, .. } | SocketState::Ready { socket, .. } => {
                Some(socket)
            }
            _ => None,
        }
    }
}

impl Tab {
    /// `sendMessage(m)`: sent when ready and not paused, otherwise dropped.
    pub(crate) fn send_with_socket(&mut self, cx: &mut Ctx, msg: impl FnOnce(u8) -> Msg) {
        if let SocketState::Ready {
            socket,
            paused: ReadyPause::No,
        } = self.socket.state
        {
            cx.out.send(server_id(), msg(socket));
        }
    }

    /// `connect()`: a new WebSocket, state `connecting{paused:"no"}`; with the
    /// proposal, paused while a pause is held (a reconnect before the first token,
    /// or during `setConfig`'s fetch, sends nothing until `resume()`).
    pub(crate) fn socket_connect(&mut self, cx: &mut Ctx) {
        let socket = self.socket.last_socket.wrapping_add(1);
        self.socket.last_socket = socket;
        self.socket.state = SocketState::Connecting {
            socket,
            paused: self.socket.pause_held,
        };
        cx.out.send(server_id(), Msg::WsOpen { socket });
    }

    /// `ws.onopen`: `ready`, paused "yes" becomes "uninitialized"; unpaused → `onOpen`.
    pub(crate) fn on_ws_open(&mut self, cx: &mut Ctx, socket: u8) {
        if let SocketState::Connecting { socket: s, paused } = self.socket.state {
            if s == socket {
                self.socket.state = SocketState::Ready {
                    socket,
                    paused: if paused {
                        ReadyPause::Uninitialized
                    } else {
                        ReadyPause::No
                    },
                };
                if !paused {
                    self.on_open(cx);
                }
            }
        }
    }

    /// `ws.onclose`. For the live socket: `scheduleReconnect` (state `disconnected`,
    /// backoff timer). For a socket closed by `stop()`: resolves the promise that
    /// `stopSocket()` returned, resuming every `tryToReauthenticate` awaiting it.
    pub(crate) fn on_ws_close(&mut self, cx: &mut Ctx, socket: u8) {
        if self.socket.live_socket() == Some(socket) {
            self.socket.state = SocketState::Disconnected;
            cx.out.set_timer(Timer::Reconnect, model_timeout());
            return;
        }
        if let Some(ix) = self.socket.closing.iter().position(|s| *s == socket) {
            self.socket.closing.remove(ix);
            let mut resumed = 0;
            while let Some(ix) = self
                .pending
                .iter()
                .position(|a| *a == Await::ReauthStop { socket })
            {
                self.pending.remove(ix);
                resumed += 1;
            }
            for _ in 0..resumed {
                self.reauthenticate_after_stop(cx);
            }
        }
    }

    /// Whether a server message that came on `socket` reaches `onMessage`.
    pub fn accepts_message_of(&self, switches: &Switches, socket: u8) -> bool {
        let ignores_closed = switches.ignore_messages_after_close;
        self.socket.is_ready_on(socket)
            || (!ignores_closed && self.socket.closing.contains(&socket))
    }

    /// The backoff timer of `scheduleReconnect` fires: `connect()`. `stop()` does not
    /// clear this timer, so it also connects a `stopped` socket. (From `connecting` or
    /// `ready`, `connect()` throws inside the timer callback and nothing changes.)
    pub(crate) fn on_reconnect_timer(&mut self, cx: &mut Ctx) {
        let connects = match self.socket.state {
            SocketState::Disconnected | SocketState::Stopped => true,
            SocketState::Connecting { .. } | SocketState::Ready { .. } => false,
        };
        if connects {
            self.socket_connect(cx);
        }
    }

    /// `pause()`: only `connecting` / `ready` become paused; with the proposal
    /// the pause is also held for the next socket (`pauseRequested = true`).
    pub(crate) fn socket_pause(&mut self, cx: &Ctx) {
        if cx.switches.proposal_keep_trying {
            self.socket.pause_held = true;
        }
        match &mut self.socket.state {
            SocketState::Connecting { paused, .. } => *paused = true,
            SocketState::Ready { paused, .. } => *paused = ReadyPause::Yes,
            _ => {}
        }
    }

    /// `resume()`: connecting → unpaused; ready/uninitialized → `onOpen`; ready/yes →
    /// `onResume`; stopped or disconnected → ignored.
    pub(crate) fn socket_resume(&mut self, cx: &mut Ctx) {
        // The proposal: `pauseRequested = false`, whatever the state.
        self.socket.pause_held = false;
        match self.socket.state {
            SocketState::Connecting { socket, .. } => {
                self.socket.state = SocketState::Connecting {
                    socket,
                    paused: false,
                }
            }
            SocketState::Ready { socket, paused } => {
                self.socket.state = SocketState::Ready {
                    socket,
                    paused: ReadyPause::No,
                };
                match paused {
                    ReadyPause::Uninitialized => self.on_open(cx),
                    ReadyPause::Yes => self.on_resume(cx),
                    ReadyPause::No => {}
                }
            }
            SocketState::Disconnected | SocketState::Stopped => {}
        }
    }

    /// `stop()`: close the live socket (if any) and enter `stopped`. Returns the
    /// socket whose close event resolves the returned promise, or None when it
    /// resolves at once (no socket).
    pub(crate) fn socket_stop(&mut self, cx: &mut Ctx) -> Option<u8> {
        let live = self.socket.live_socket();
        if let Some(socket) = live {
            cx.out.send(server_id(), Msg::WsClose { socket });
            self.socket.closing.push(socket);
        }
        // A scheduled reconnect is not cleared: its timer still calls connect().
        self.socket.state = SocketState::Stopped;
        live
    }

    /// `tryRestart()`: only from `stopped`, `connect()`.
    pub(crate) fn socket_try_restart(&mut self, cx: &mut Ctx) {
        if self.socket.state == SocketState::Stopped {
            self.socket_connect(cx);
        }
    }
}
