//! The Nmbrs edge: the SOAP client, the simulator (SOAP and REST faces), the WSDL schema of
//! every envelope, and the reader's property test.

mod client;
mod http_core;
mod reader_props;
mod redirects;
mod rest_api;
mod rest_client;
mod rest_days_setting;
mod schema;
mod sim;
mod sim_rest;
