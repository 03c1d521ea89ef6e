/// One line of a JSON Lines input read as the object a response must be: what the loader, the log index's
/// fallback and the streaming loader each read a line with.
enum JSONLine {
    /// Parses `first..<contentEnd` (the line without leading white space and its line end).
    /// - Returns: the object, or the problem with the byte offset where it was found.
    static func object(in bytes: UnsafeBufferPointer<UInt8>, first: Int, contentEnd: Int) -> Result<JSONObject, JSONSyntaxError> {
        var parser = JSONParser(bytes: bytes, range: first..<contentEnd)
        let value: JSONValue
        do throws(JSONSyntaxError) {
            value = try parser.parseValue()
        } catch {
            return .failure(error)
        }
        parser.skipWhitespace()
        if !parser.isAtEnd {
            return .failure(JSONSyntaxError(offset: parser.position, message: "unexpected text after the end of the JSON object"))
        }
        guard let object = value.objectValue else {
            return .failure(JSONSyntaxError(offset: first, message: "expected a JSON object for a response, found \(value.typeName)"))
        }
        return .success(object)
    }
}
