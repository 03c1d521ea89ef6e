import Testing
@testable import CompletionCore

/// Decodes one JSON text as a single record.
func decodeOne(_ json: String, sourceLine: Int = 1) throws -> CompletionRecord {
    try RecordDecoder.decode(try JSONParser.parse(json), source: RecordSource(path: "test.json", line: sourceLine))
}

@Suite("decoding response shapes")
struct DecoderTests {
    @Test("SDK camelCase keys are read like snake_case ones")
    func camelCase() throws {
        let r = try decodeOne(#"""
        {"id":"cmpl-1","object":"text_completion","created":1,"model":"m","systemFingerprint":"fp_x",
         "choices":[{"index":0,"text":"hi","finishReason":"stop",
                     "logprobs":{"tokens":["hi"],"tokenLogprobs":[-0.5],"topLogprobs":[{"hi":-0.5,"ho":-2}],"textOffset":[3]}}],
         "usage":{"promptTokens":2,"completionTokens":1,"totalTokens":3}}
        """#)
        #expect(r.systemFingerprint == "fp_x")
        #expect(r.choices[0].finishReason == "stop")
        #expect(r.usage?.promptTokens == 2 && r.usage?.completionTokens == 1 && r.usage?.totalTokens == 3)
        #expect(r.usage?.other.isEmpty == true)
        let token = try #require(r.choices[0].logprobs?.tokens.first)
        #expect(token.token == "hi" && token.logprob == -0.5 && token.textOffset == 3)
        #expect(token.top.map(\.token) == ["hi", "ho"])
        #expect(r.extra.isEmpty, "camelCase spellings are known keys, not extras")
    }

    @Test("counts and indexes written as floats are integers")
    func floatCounts() throws {
        let r = try decodeOne(#"""
        {"id":"x","object":"text_completion","model":"m","choices":[{"index":1.0,"text":"a","finish_reason":"stop"}],
         "usage":{"prompt_tokens":12.0,"completion_tokens":30.0,"total_tokens":42.0,
                  "completion_tokens_details":{"reasoning_tokens":0.0},"cost":0.5}}
        """#)
        #expect(r.choices[0].index == 1)
        #expect(r.usage?.promptTokens == 12 && r.usage?.totalTokens == 42)
        #expect(JSONWriter.compact(.object(r.usage!.other)) == #"{"completion_tokens_details":{"reasoning_tokens":0},"cost":0.5}"#)
    }

    @Test("finish_reason is any string or null", arguments: ["stop", "length", "content_filter", "tool_calls", "eos", "eos_token", "stop_sequence", "abort", "repetition", "error", "function_call", ""])
    func finishReasons(reason: String) throws {
        let r = try decodeOne(#"{"choices":[{"index":0,"text":"t","finish_reason":"\#(reason)"}]}"#)
        #expect(r.choices[0].finishReason == reason)
    }

    @Test("null and absent finish reasons stay nil")
    func nullFinish() throws {
        let r = try decodeOne(#"{"choices":[{"index":0,"text":"t","finish_reason":null},{"index":1,"text":"u"}]}"#)
        #expect(r.finishReasons == [nil, nil])
    }

    @Test("unknown top-level and choice keys are kept in source order, nulls included")
    func extras() throws {
        let r = try decodeOne(#"""
        {"id":"cmpl-1","object":"text_completion","created":1,"model":"m","service_tier":null,"kv_transfer_params":null,
         "choices":[{"index":0,"text":"x","logprobs":null,"finish_reason":"stop","stop_reason":null,"token_ids":null,"seed":13424880326038300000}],
         "usage":{"prompt_tokens":1,"total_tokens":2,"completion_tokens":1},"timings":{"prompt_n":1},"__verbose":{}}
        """#)
        #expect(r.extra.keys == ["service_tier", "kv_transfer_params", "timings", "__verbose"])
        #expect(r.choices[0].extra.keys == ["stop_reason", "token_ids", "seed"])
        #expect(r.choices[0].extra["seed"]?.numberValue?.text == "13424880326038300000")
    }

    @Test("chat completions: text is the message content; tool calls and refusals are kept")
    func chat() throws {
        let r = try decodeOne(#"""
        {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o","choices":[
          {"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls","logprobs":null},
          {"index":1,"message":{"role":"assistant","content":null,"refusal":"I can't help with that."},"finish_reason":"stop"},
          {"index":2,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop",
           "logprobs":{"content":[{"token":"Hello","logprob":-0.1,"bytes":[72,101,108,108,111],"top_logprobs":[{"token":"Hello","logprob":-0.1,"bytes":null}]}],"refusal":null}}]}
        """#)
        #expect(r.kind == .chatCompletion)
        #expect(r.choices[0].text == "")
        #expect(r.choices[0].toolCalls.count == 1)
        #expect(r.choices[0].role == "assistant")
        #expect(r.choices[1].refusal == "I can't help with that.")
        #expect(r.choices[2].text == "Hello")
        #expect(r.choices[2].logprobs?.shape == .chat)
        #expect(r.choices[2].logprobs?.tokens.first?.bytes == [72, 101, 108, 108, 111])
    }

    @Test("kind comes from object, or from structure when object is missing or empty", arguments: [
        (#"{"object":"text_completion","choices":[]}"#, "text_completion"),
        (#"{"object":"text.completion","choices":[]}"#, "text_completion"),
        (#"{"object":"completion.chunk","choices":[]}"#, "text_completion"),
        (#"{"object":"chat.completion","choices":[]}"#, "chat.completion"),
        (#"{"choices":[{"index":0,"message":{"content":"x"}}]}"#, "chat.completion"),
        (#"{"object":"","choices":[{"index":0,"text":"x"}]}"#, "text_completion"),
        (#"{"error":{"message":"m","type":"t","param":null,"code":null}}"#, "error"),
    ])
    func kinds(json: String, kind: String) throws {
        #expect(try decodeOne(json).kind.rawValue == kind)
    }

    @Test("error objects: code as string, integer or null; other keys kept")
    func errors() throws {
        let openai = try decodeOne(#"{"error":{"message":"Bad key","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#)
        #expect(openai.error?.message == "Bad key" && openai.error?.type == "invalid_request_error" && openai.error?.code == .string("invalid_api_key"))
        let vllm = try decodeOne(#"{"error":{"message":"too long","type":"BadRequestError","param":null,"code":400},"object":"error"}"#)
        #expect(vllm.error?.code?.intValue == 400)
        let azure = try decodeOne(#"{"error":{"message":"filtered","code":"content_filter","innererror":{"code":"ResponsibleAIPolicyViolation"}}}"#)
        #expect(azure.error?.extra.keys == ["innererror"])
        let plain = try decodeOne(#"{"error":"model not found"}"#)
        #expect(plain.error?.message == "model not found")
    }

    @Test("orq {\"data\": ...} envelopes are unwrapped")
    func orqEnvelope() throws {
        let r = try decodeOne(#"{"data":{"id":"cmpl-o","object":"text_completion","created":"1757672130","model":"m","choices":[{"index":0,"text":"x","finish_reason":"stop"}]}}"#)
        #expect(r.id == "cmpl-o")
        #expect(r.created?.seconds == 1_757_672_130)
        #expect(r.extra.isEmpty)
    }

    @Test("batch output lines: the body is the record; envelope fields are kept under extra.batch")
    func batch() throws {
        let ok = try decodeOne(#"{"id":"batch_req_1","custom_id":"request-1","response":{"status_code":200,"request_id":"req_1","body":{"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"x","finish_reason":"stop"}]}},"error":null}"#)
        #expect(ok.kind == .textCompletion && ok.id == "cmpl-1")
        #expect(ok.extra["batch"]?["custom_id"] == .string("request-1"))
        #expect(ok.extra["batch"]?["status_code"]?.intValue == 200)
        let failed = try decodeOne(#"{"id":"batch_req_2","custom_id":"request-2","response":{"status_code":400,"request_id":"req_2","body":{"error":{"message":"bad","type":"invalid_request_error","param":null,"code":null}}},"error":null}"#)
        #expect(failed.kind == .error && failed.error?.message == "bad")
        let expired = try decodeOne(#"{"id":"batch_req_3","custom_id":"request-3","response":null,"error":{"code":"batch_expired","message":"This request could not be executed before the completion window expired."}}"#)
        #expect(expired.kind == .error && expired.error?.code == .string("batch_expired"))
        #expect(expired.extra["batch"]?["custom_id"] == .string("request-3"))
    }

    @Test("usage keeps details, odd keys and null details; a mismatched total is detected")
    func usage() throws {
        let r = try decodeOne(#"""
        {"choices":[],"usage":{"prompt_tokens":10,"total_tokens":25,"completion_tokens":null,"prompt_tokens_details":null,
          "prompt_cache_hit_tokens":3,"cost":0.00000285,"is_byok":false,"queue_time":1.0087154420000002,"prompt_token_details":{"cached_tokens":1}}}
        """#)
        let u = try #require(r.usage)
        #expect(u.promptTokens == 10 && u.completionTokens == nil && u.totalTokens == 25)
        #expect(u.other.keys == ["prompt_tokens_details", "prompt_cache_hit_tokens", "cost", "is_byok", "queue_time", "prompt_token_details"])
        #expect(u.other["cost"]?.numberValue?.text == "0.00000285")
        let mismatch = try decodeOne(#"{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":4}}"#)
        #expect(mismatch.usage?.totalMismatch == true)
        let empty = try decodeOne(#"{"choices":[],"usage":{}}"#)
        #expect(empty.usage != nil && empty.usage?.promptTokens == nil)
    }

    @Test("a total that counts reasoning beside the completion (xAI) is no mismatch; one reasoning does not explain is")
    func totalWithReasoningTokens() throws {
        let xai = try decodeOne(#"{"choices":[],"usage":{"prompt_tokens":14,"completion_tokens":6,"total_tokens":50,"completion_tokens_details":{"reasoning_tokens":30}}}"#)
        #expect(xai.usage?.totalMismatch == false)
        let off = try decodeOne(#"{"choices":[],"usage":{"prompt_tokens":14,"completion_tokens":6,"total_tokens":51,"completion_tokens_details":{"reasoning_tokens":30}}}"#)
        #expect(off.usage?.totalMismatch == true)
    }

    @Test("ids in every form are kept as written", arguments: ["cmpl-BG6hnYTp9dBvq5eMvXG5q8rJgWH1c", "chatcmpl-abc", "cmpl-123", "gen-123", "8f3317dd3c3a39ef-YYZ", "5f2a8c1e-6d0b-4e6f-9a1c-3b7d2e4f8a90"])
    func ids(id: String) throws {
        #expect(try decodeOne(#"{"id":"\#(id)","choices":[]}"#).id == id)
    }

    @Test("an empty id (TGI, Azure) is null, as the same response streamed gives")
    func emptyID() throws {
        #expect(try decodeOne(#"{"id":"","choices":[]}"#).id == nil)
    }

    @Test("a value that is not an object is a decode problem")
    func notObject() {
        #expect(throws: DecodeProblem.self) { try decodeOne("[1,2]") }
    }
}

@Suite("logprobs shapes")
struct LogprobsTests {
    func logprobs(_ json: String) throws -> Logprobs? {
        Logprobs.normalise(try JSONParser.parse(json))
    }

    @Test("legacy arrays with null entries, differing lengths and sentinels")
    func legacy() throws {
        let l = try #require(try logprobs(#"{"tokens":["A"," b","\n\n"],"token_logprobs":[null,-0.25,-9999.0],"top_logprobs":[null,{" b":-0.25," ":-1.5,"":-3},{"\n\n":-9999.0}],"text_offset":[0,1]}"#))
        #expect(l.shape == .legacy)
        #expect(l.tokens.count == 3)
        #expect(l.tokens[0].logprob == nil && l.tokens[0].top.isEmpty)
        #expect(l.tokens[1].top.map(\.token) == [" b", " ", ""])
        #expect(l.tokens[2].textOffset == nil)
        #expect(l.tokens[2].probability == 0, "-9999 is vLLM's floor for -inf: probability zero")
    }

    @Test("chat-style content with llama.cpp's -3.4e38 for probability zero")
    func chatStyle() throws {
        let l = try #require(try logprobs(#"{"content":[{"id":5,"token":"Hi","bytes":[72,105],"logprob":-0.01,"top_logprobs":[{"id":5,"token":"Hi","bytes":[72,105],"logprob":-0.01},{"id":9,"token":"Yo","bytes":[89,111],"logprob":-3.4028234663852886e38}]}]}"#))
        #expect(l.shape == .chat)
        #expect(l.tokens[0].token == "Hi")
        #expect(l.tokens[0].top[1].probability == 0)
        #expect(abs((l.tokens[0].probability ?? 0) - 0.99005) < 0.0001)
    }

    @Test("post-sampling probabilities become logprobs")
    func probs() throws {
        let l = try #require(try logprobs(#"{"content":[{"token":"a","prob":0.5,"top_probs":[{"token":"a","prob":0.5},{"token":"b","prob":0.0}]}]}"#))
        #expect(abs((l.tokens[0].probability ?? 0) - 0.5) < 1e-9)
        #expect(l.tokens[0].top[1].probability == 0)
    }

    @Test("TGI's flat float array and Together's single float")
    func flat() throws {
        let l = try #require(try logprobs("[-0.1,-2.5e-3,-9.771052e-05]"))
        #expect(l.shape == .flat && l.tokens.count == 3 && l.tokens.allSatisfy { $0.token == nil })
        #expect(l.tokens[2].logprob == -9.771052e-05)
        #expect(try logprobs("-0.5")?.tokens.count == 1)
    }

    @Test("null, the string \"null\", {} and empty arrays", arguments: [("null", -1), (#""null""#, -1), ("{}", 0), (#"{"tokens":[],"token_logprobs":[],"top_logprobs":[],"text_offset":[]}"#, 0)])
    func emptyForms(json: String, count: Int) throws {
        let l = try logprobs(json)
        if count < 0 { #expect(l == nil) } else { #expect(l?.tokens.count == count) }
    }

    @Test("vLLM packed_top_logprobs are unpacked to token_id:N alternatives")
    func packed() throws {
        // shape [1,2]: token ids 7 and 300 (<i4), logprobs -0.5 and -2.0 (<f4), little-endian, base64.
        let l = try #require(try logprobs(#"{"tokens":["x"],"token_logprobs":[-0.5],"packed_top_logprobs":{"shape":[1,2],"token_ids_dtype":"<i4","logprobs_dtype":"<f4","token_ids_b64":"BwAAACwBAAA=","logprobs_b64":"AAAAvwAAAMA="}}"#))
        #expect(l.tokens[0].top.map(\.token) == ["token_id:7", "token_id:300"])
        #expect(l.tokens[0].top.map(\.logprob) == [-0.5, -2.0])
    }
}
