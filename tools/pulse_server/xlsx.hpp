// The filled Excel workbook GET /schema/{id}/excel serves: a minimal but valid .xlsx (an Office Open
// XML package in a zip whose entries are stored, not compressed) with one sheet, deterministic bytes.
#pragma once

#include <string>
#include <vector>

namespace pulse_server {

struct xlsx_cell {
    std::string text;
    bool numeric = false;  // written as a number cell (text must then be a JSON/Excel number)
};

// One sheet named "Sheet1" holding `rows` from cell A1.
std::string make_xlsx(const std::vector<std::vector<xlsx_cell>>& rows);

}  // namespace pulse_server
