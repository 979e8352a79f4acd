//! The sandbox, through real HTTP (to be written).
