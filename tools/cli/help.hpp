// SPDX-License-Identifier: MIT
//
// The help texts of `pulse` (`pulse --help`, `pulse COMMAND --help`, `pulse help COMMAND`).
// tools/cli/README.md repeats them; tests/cli/test_cli.py checks that every command has one.
#ifndef PULSE_CLI_HELP_HPP
#define PULSE_CLI_HELP_HPP

#include <string_view>

namespace pulse_cli {

inline constexpr std::string_view global_options_help = R"(Options for every command:
  --base-url URL      API base URL (default: $PULSE_BASE_URL, else https://api.runpulse.com)
  --timeout SECONDS   overall deadline of the command, transfers included (default: 30 min;
                      0 = none); when it runs out the command stops with exit code 11
  --retries N         retries of a failed request (default: 7 for polls, 3 for downloads and
                      one-shot calls; a submission is retried, 3 times, only on 429 and when the
                      request never left this machine -- a retried submission could bill twice)
  -H, --header 'NAME: VALUE'
                      extra header on requests to the API origin (repeatable)
  --cacert FILE       trust the CAs in this PEM bundle instead of the system's (default:
                      $CURL_CA_BUNDLE, else $SSL_CERT_FILE, else the system store)
  --proxy URL         send requests through this proxy ('' = none; default: $https_proxy /
                      $HTTPS_PROXY for an https base URL, $http_proxy for http, else $ALL_PROXY)
  --noproxy HOSTS     hosts reached without the proxy, comma-separated ('*' = all; default:
                      $NO_PROXY)
  -q, --quiet         no progress and no summary on stderr (errors are still printed)
  -h, --help          this help
      --version       print the version and exit

The API key is read from PULSE_API_KEY only (never from the command line, where other users
could read it in the process list); it is never printed, also not when a server echoes it.
)";

inline constexpr std::string_view main_help = R"(pulse - command-line client for the Pulse document-extraction API

Usage: pulse COMMAND [ARGS] [OPTIONS]

Commands:
  extract FILE | --url URL   submit a document, wait for the job, fetch the result
  schema --extraction-id ID --schema FILE
                             values shaped by a JSON schema, from earlier extractions
  split --extraction-id ID --topic NAME...
                             sort an extraction's pages into topics
  tables --extraction-id ID  the tables of an extraction, as HTML or JSON
  batch extract|schema|tables|split
                             one of the above over many documents or extractions
  pipeline FILE | --url URL  several steps in one job: extract, then split, schema or tables
  job JOB                    poll a job once and print its status JSON
  wait JOB                   wait for a job submitted earlier and fetch its result
  download ID --out FILE     download a job's single-use large result to a file
  download --url URL --out FILE
                             download the large result at a pointer's URL
  cancel JOB                 cancel a job
  form detect|fill|clear FILE
                             detect, fill or clear the fields of a PDF form
  webhook verify FILE        check a webhook delivery's signature and print its job id
  help [COMMAND]             help on a command (same as pulse COMMAND --help)

Environment:
  PULSE_API_KEY    the API key (required, except by pulse webhook)
  PULSE_WEBHOOK_SECRET   the webhook endpoint's signing secret (pulse webhook verify)
  PULSE_BASE_URL   the API base URL (overridden by --base-url)
  CURL_CA_BUNDLE, SSL_CERT_FILE   a PEM bundle of trusted CAs (overridden by --cacert)
  https_proxy, HTTPS_PROXY, http_proxy, ALL_PROXY, NO_PROXY
                   the proxy, as curl reads them (overridden by --proxy and --noproxy)

Progress goes to stderr: on a terminal a live line (status, elapsed time, poll count; during a
download bytes, rate and a bar when the size is known); otherwise one plain line per event.
Results go to stdout or --out.

Examples:
  export PULSE_API_KEY=...
  pulse extract report.pdf --out report.json
  pulse extract report.pdf --markdown > report.md
  pulse extract --url https://example.com/report.pdf --pages 1-3 --markdown
  job=$(pulse extract big.pdf --no-wait); pulse wait "$job" --out big.json
  pulse schema --extraction-id ID --schema invoice.schema.json --out values.json
  pulse batch extract a.pdf b.pdf --out batch.json

JOB is a job token, as `--no-wait` prints it (pulse-job:extract?id=..., pulse-job:schema?id=...),
or a bare job id (an extraction, unless `pulse wait --kind` says otherwise). A token names the API
the job belongs to: another --base-url refuses it.

Every job command (extract, schema, split, tables, batch, pipeline) writes the answer JSON to
stdout or --out, a one-line summary to stderr, and prints only the job's token with --no-wait.
A batch whose items did not all complete writes its result and exits with 5.
)";

inline constexpr std::string_view extract_help = R"(Usage: pulse extract FILE [OPTIONS]
       pulse extract --url URL [OPTIONS]

Submit a document (uploaded FILE, or a URL Pulse downloads itself), wait for the job, and fetch
its result -- inline, or from the single-use large-result URL, streamed to the output as it
arrives. Writes the result JSON (or only its markdown with --markdown) to --out or stdout, and a
summary on stderr: pages, markdown length, tables, words.

Options:
  --url URL           extract the document at URL instead of a local FILE
  -o, --out FILE      write the result to FILE ('-' = stdout, the default). FILE is replaced
                      only when the command succeeds; if it fails after bytes arrived they are
                      kept in FILE.partial (the message says so)
  --markdown          write only the markdown, not the JSON
  --model MODEL       'default' or 'pulse-ultra-2'
  --pages RANGE       1-based pages to extract, e.g. 1-2,5
  --set NAME=VALUE    any other request field, sent as given; VALUE is read as JSON when it
                      parses ('true', '3', '{"altOutputs":{"wlbb":true}}'), else as a string
                      (repeatable)
  --no-wait           only submit: print the job's token on stdout and exit (see pulse wait);
                      store it to wait for the job later, from any process
  --cancel-on-interrupt
                      on Ctrl-C also cancel the job on the server (DELETE /job/ID); without it
                      the job keeps running and `pulse wait JOB` picks it up again
)";

inline constexpr std::string_view schema_help = R"(Usage: pulse schema --extraction-id ID... --schema FILE [OPTIONS]
       pulse schema --extraction-id ID... --excel-template FILE.xlsx [--excel-out FILE] [OPTIONS]
       pulse schema --extraction-id ID... --schema-config-id ID [OPTIONS]
       pulse schema --split-id ID --topic-schema NAME=FILE... [OPTIONS]

Extract values shaped by a JSON schema from earlier extractions (POST /schema): submit, wait
for the job, fetch its answer -- inline, or the single-use large result -- and write the answer
JSON to --out or stdout; a summary on stderr (values, schema_id).

Options:
  --extraction-id ID  the extraction to work on (an `extraction_id` of `pulse extract`, or a
                      completed batch extract job); repeat it to combine several
  --split-id ID       split mode: a split (`pulse split`), with a schema per topic
  --schema FILE       the JSON Schema, a JSON object ('-' = stdin)
  --excel-template FILE.xlsx
                      the schema from a workbook's column headers (sent base64-encoded); the
                      answer then names a filled workbook
  --schema-config-id ID
                      a schema configuration saved on the platform
  --topic-schema NAME=FILE
                      split mode: the JSON Schema of topic NAME (repeatable)
  --prompt TEXT       instructions on top of the schema (every topic's, in split mode)
  --effort            extended reasoning (billed higher)
  --excel-out FILE    also download the filled workbook (with --excel-template)
  --request FILE      the whole request body as JSON ('-' = stdin); the options above override
                      its members
  -o, --out FILE      write the answer JSON to FILE ('-' = stdout, the default)
  --no-wait           only submit: print the job's token on stdout (see pulse wait)
  --cancel-on-interrupt
                      on Ctrl-C also cancel the job on the server
)";

inline constexpr std::string_view split_help = R"(Usage: pulse split --extraction-id ID --topic NAME[=DESCRIPTION]... [OPTIONS]
       pulse split --extraction-id ID --split-config-id ID [OPTIONS]

Sort the pages of an extraction into topics (POST /split): submit, wait, write the answer JSON
(the pages of each topic, and the split_id for `pulse schema --split-id`) to --out or stdout; a
summary on stderr with each topic's pages.

Options:
  --extraction-id ID  the extraction to split (a completed batch extract job works too)
  --topic NAME[=DESCRIPTION]
                      a topic, with what belongs to it in words (repeatable, in order)
  --split-config-id ID
                      a split configuration saved on the platform instead of --topic
  --request FILE      the whole request body as JSON ('-' = stdin); the options above override
                      its members
  -o, --out FILE      write the answer JSON to FILE ('-' = stdout, the default)
  --no-wait           only submit: print the job's token on stdout (see pulse wait)
  --cancel-on-interrupt
                      on Ctrl-C also cancel the job on the server
)";

inline constexpr std::string_view tables_help = R"(Usage: pulse tables --extraction-id ID [OPTIONS]

Extract the tables of an extraction (POST /tables): submit, wait, write the answer JSON to --out
or stdout; a summary on stderr (tables, tables_id).

Options:
  --extraction-id ID  the extraction whose tables to return
  --format html|json  each table as an HTML <table> (the API's default) or as JSON rows
  --merge             merge tables continued across pages
  --charts            also turn charts into tables
  --request FILE      the whole request body as JSON ('-' = stdin); the options above override
                      its members
  -o, --out FILE      write the answer JSON to FILE ('-' = stdout, the default)
  --no-wait           only submit: print the job's token on stdout (see pulse wait)
  --cancel-on-interrupt
                      on Ctrl-C also cancel the job on the server
)";

inline constexpr std::string_view batch_help = R"(Usage: pulse batch extract FILE... | --url URL... | --s3-prefix PREFIX [OPTIONS]
       pulse batch schema --extraction-id ID... | --batch-extract-id ID --schema FILE [OPTIONS]
       pulse batch schema --split-id ID... | --batch-split-id ID --topic-schema NAME=FILE... [OPTIONS]
       pulse batch tables --extraction-id ID... | --batch-extract-id ID [OPTIONS]
       pulse batch split --extraction-id ID... | --batch-extract-id ID --topic NAME... [OPTIONS]

Run extract, schema, tables or split over many documents or extractions (POST /batch/ACTION):
submit, follow the batch -- the progress shows its items completed, failed and in all -- and
write the batch's result JSON (every item: its status, its own job, what it made or why it
failed) to --out or stdout; a summary on stderr. Each item is a job of the single kind: wait for
its result with `pulse wait ITEM_JOB_ID --kind extract|schema|tables|split`.

Exit code: 0 when every item completed; 5 when the batch finished but some items failed (or were
canceled) -- the result is written all the same and each such item is listed on stderr -- or when
the batch itself failed (then nothing is written).

Documents (extract):
  FILE...             local files, sent inside the request (base64)
  --url URL           a document at URL (repeatable)
  --s3-prefix PREFIX  every document under an S3 prefix
  --model MODEL, --pages RANGE, --set NAME=VALUE
                      the options of every extraction, as for pulse extract
Items (schema, tables, split):
  --extraction-id ID  an extraction, one item each (repeatable)
  --batch-extract-id ID
                      the extractions of a completed batch extract
  --split-id ID, --batch-split-id ID
                      schema only: splits instead, with --topic-schema
Options of the actions, as for the single commands:
  schema: --schema FILE, --excel-template FILE, --topic-schema NAME=FILE, --prompt TEXT,
          --effort, --pages RANGE (the pages of each extraction to use)
  tables: --format html|json, --merge, --charts
  split:  --topic NAME[=DESCRIPTION] (repeatable, required)
Every action:
  --output-s3-prefix PREFIX, --output-path PATH
                      also write the results there (on the server's side)
  --workers N         items run at once, 1 to 10 (the API's default: 4)
  --request FILE      the whole request body as JSON ('-' = stdin); the options above override
                      its members
  -o, --out FILE      write the result JSON to FILE ('-' = stdout, the default)
  --no-wait           only submit: print the batch's token on stdout (see pulse wait)
  --cancel-on-interrupt
                      on Ctrl-C also cancel the batch on the server
)";

inline constexpr std::string_view pipeline_help = R"(Usage: pulse pipeline FILE | --url URL --steps FILE.json [OPTIONS]
       pulse pipeline FILE | --url URL [--extract] [--split-topic NAME...] [--schema FILE] [--tables] [OPTIONS]

Run several steps in one job (POST /pipeline/execute): extract a document, then split it, extract
values by a schema, or extract its tables. A local FILE is uploaded (multipart); --url has Pulse
download the document. Writes the answer JSON (each step's result and latency) to --out or
stdout; a summary on stderr. The chains the API runs: extract, extract->schema, extract->split,
extract->split->schema (a schema per topic), extract->tables, batch_extract->schema (--steps).

Options:
  --url URL           the document at URL instead of a local FILE
  --steps FILE.json   the steps, a PipelineSteps object ('-' = stdin), e.g.
                      {"extract": {}, "split": {"split_input": [{"name": "invoice"}]}}
  --extract           the extract step (implied by the other step flags)
  --model MODEL, --pages RANGE
                      options of the extract step
  --split-topic NAME[=DESCRIPTION]
                      the split step, with this topic (repeatable)
  --schema FILE       the schema step, with this JSON Schema ('-' = stdin)
  --prompt TEXT, --effort
                      options of the schema step
  --tables            the tables step
  --format html|json, --merge, --charts
                      options of the tables step
  --auto-delete       zero retention: nothing the pipeline makes is kept
  --request FILE      the whole request body as JSON ('-' = stdin); the options above override
                      its members (a step flag replaces that step)
  -o, --out FILE      write the answer JSON to FILE ('-' = stdout, the default)
  --no-wait           only submit: print the job's token on stdout (see pulse wait)
  --cancel-on-interrupt
                      on Ctrl-C also cancel the job on the server
)";

inline constexpr std::string_view job_help = R"(Usage: pulse job JOB [OPTIONS]

Poll JOB (a token or a job id) once (GET /job/ID) and print the answer as JSON on stdout. The
exit code follows the job's status: 0 for pending, processing and completed (and statuses this
tool does not know), 5 failed, 6 canceled, 7 expired.
)";

inline constexpr std::string_view wait_help = R"(Usage: pulse wait JOB [OPTIONS]

Wait for JOB -- the token a --no-wait printed, or a bare job id -- submitted earlier, from this
machine or another, and fetch its result, exactly like the command that submitted it does after
submitting: the result JSON to --out or stdout, the same summary on stderr, and for a batch the
same exit code 5 when some of its items did not complete. A form job's result is written with
no summary.

Options:
  -o, --out FILE      write the result to FILE ('-' = stdout, the default)
  --markdown          write only the markdown (extraction jobs)
  --kind KIND         what a bare job id is (default extract): schema, split, tables, pipeline,
                      batch_extract, batch_schema, batch_tables, batch_split, form_detect,
                      form_fill, form_clear -- e.g. an item of a batch schema is a schema job
  --excel-out FILE    a schema job with an Excel template: also download the filled workbook
  --cancel-on-interrupt
                      on Ctrl-C also cancel the job on the server
)";

inline constexpr std::string_view download_help = R"(Usage: pulse download ID|JOB --out FILE [OPTIONS]
       pulse download --url URL --out FILE [OPTIONS]

Download the single-use large result of job ID (GET /large_results/ID) -- of any kind; a job
token names its job too -- or the one at URL (a large-result pointer's `url`), to FILE ('-' =
stdout) as it arrives. The server deletes it after one download: a
second download fails with exit code 8 (410 Gone), as does one more than an hour after the job
completed. `pulse extract` and `pulse wait` download it themselves; this command is for a result
whose job you followed with `pulse job`.

Options:
  --url URL           download from this URL instead of by job id (the API key is sent only
                      when the URL is on the API's own origin)
  -o, --out FILE      where to write the result (required). FILE is replaced only when the
                      download succeeds (a 410 leaves an earlier copy alone); bytes of a download
                      that broke off are kept in FILE.partial
)";

inline constexpr std::string_view cancel_help = R"(Usage: pulse cancel JOB [OPTIONS]

Cancel JOB, a token or a job id (DELETE /job/ID), and print the server's answer as JSON on stdout. Best effort on
the server's side: a job that is already running may still complete, and a finished job is left
as it is.
)";

inline constexpr std::string_view form_help = R"(Usage: pulse form detect|fill|clear [FILE] [OPTIONS]

Detect the fields of a PDF form, fill them following instructions, or clear them. Prints the
FormResult JSON on stdout (or --out) and a summary on stderr; --pdf-out also downloads the PDF
the job produced (GET /results/JOB/pdf).

Options:
  --url URL             the form at URL instead of a local FILE
  --form-id ID          reuse an earlier detection instead of a document
  --instructions TEXT   how to fill the form (required by fill)
  --pages RANGE         page range, e.g. 1-2
  -o, --out FILE        write the FormResult JSON to FILE ('-' = stdout, the default)
  --pdf-out FILE        also download the resulting PDF to FILE
  --cancel-on-interrupt on Ctrl-C also cancel the job on the server
)";

inline constexpr std::string_view webhook_help = R"(Usage: pulse webhook verify FILE --id ID --timestamp TS --signature SIG [OPTIONS]

Check that a webhook delivery came from Pulse: the body (FILE, or '-' for stdin, exactly the bytes
received) and the three headers that came with it. On success prints the job id the event names on
stdout (nothing when it names none) and a line on stderr; exit code 13 when the delivery is not
authentic (a changed body or header, another endpoint's secret, a timestamp more than the
tolerance away from this machine's clock, a missing header), 10 when it is authentic but its body
is not a JSON object. Needs no API key and no network.

Options:
  --id ID              the webhook-id header (msg_...)
  --timestamp TS       the webhook-timestamp header (seconds since 1970)
  --signature SIG      the webhook-signature header ('v1,<base64>', several separated by spaces)
  --secret SECRET      the endpoint's signing secret (whsec_...). Prefer the environment
                       variable PULSE_WEBHOOK_SECRET: other users can read command lines
  --tolerance SECONDS  how far the timestamp may be from now, either way (default: 300)

The options of other commands (--base-url, --timeout, ...) are accepted and have no effect here.

Example:
  export PULSE_WEBHOOK_SECRET=whsec_...
  job=$(pulse webhook verify body.json --id "$ID" --timestamp "$TS" --signature "$SIG")
)";

} // namespace pulse_cli

#endif
