//! XML bodies.
