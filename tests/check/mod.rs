//! CheckIntegration (issue 20, CONTRACT §2.6) on both APIs against the simulator, over real
//! RabbitMQ and PostgreSQL: every problem in one report, a healthy tenant `ready`, and not one
//! write call.

mod jobs;
