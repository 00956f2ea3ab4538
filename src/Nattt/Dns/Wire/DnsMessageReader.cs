using System.Buffers.Binary;

namespace Nattt.Dns.Wire;

/// <summary>
/// Walks a DNS message (RFC 1035 4.1) over a span without copying: the header, then each question and record in order.
/// Every read validates what it passes (names with their pointers, lengths); a failure leaves a reason in
/// <see cref="Error"/> and the reader stops. Never throws on any input.
/// </summary>
public ref struct DnsMessageReader
{
    private readonly ReadOnlySpan<byte> _message;
    private int _position;
    private int _questionsLeft;
    private int _recordsLeft;

    public DnsMessageReader(ReadOnlySpan<byte> message)
    {
        _message = message;
        if (!DnsHeader.TryRead(message, out var header)) { Error = DnsDropReason.Truncated; return; }
        Header = header;
        _position = DnsLimits.HeaderLength;
        _questionsLeft = header.QuestionCount;
        _recordsLeft = header.AnswerCount + header.AuthorityCount + header.AdditionalCount;
    }

    public DnsHeader Header { get; }
    public DnsDropReason Error { get; private set; }
    public readonly bool IsValid => Error == DnsDropReason.None;
    /// <summary>Offset of the next unread octet.</summary>
    public readonly int Position => _position;
    /// <summary>Records read so far (answers first, then authority, then additional).</summary>
    public int RecordsRead { get; private set; }

    /// <summary>The section of the next record <see cref="TryReadRecord"/> returns: 1 answer, 2 authority, 3 additional.</summary>
    public readonly int NextSection =>
        RecordsRead < Header.AnswerCount ? 1 : RecordsRead < Header.AnswerCount + Header.AuthorityCount ? 2 : 3;

    public bool TryReadQuestion(out DnsQuestion question)
    {
        question = default;
        if (!IsValid || _questionsLeft == 0) return false;
        if (!DnsName.TrySkip(_message, _position, out var end, out var reason)) return Fail(reason);
        if (end + 4 > _message.Length) return Fail(DnsDropReason.Truncated);
        question = new DnsQuestion(_position, end + 4, BinaryPrimitives.ReadUInt16BigEndian(_message[end..]),
            BinaryPrimitives.ReadUInt16BigEndian(_message[(end + 2)..]));
        _position = end + 4;
        _questionsLeft--;
        return true;
    }

    /// <summary>Reads the next record; the questions must have been read (or skipped with <see cref="TrySkipQuestions"/>).</summary>
    public bool TryReadRecord(out DnsRecordView record)
    {
        record = default;
        if (!IsValid || _recordsLeft == 0) return false;
        if (_questionsLeft != 0 && !TrySkipQuestions()) return false;
        if (!DnsName.TrySkip(_message, _position, out var end, out var reason)) return Fail(reason);
        if (end + 10 > _message.Length) return Fail(DnsDropReason.Truncated);
        var fixedPart = _message[end..];
        var rdLength = BinaryPrimitives.ReadUInt16BigEndian(fixedPart[8..]);
        if (end + 10 + rdLength > _message.Length) return Fail(DnsDropReason.Truncated);
        record = new DnsRecordView(_position, BinaryPrimitives.ReadUInt16BigEndian(fixedPart),
            BinaryPrimitives.ReadUInt16BigEndian(fixedPart[2..]), BinaryPrimitives.ReadUInt32BigEndian(fixedPart[4..]),
            end + 10, rdLength);
        _position = end + 10 + rdLength;
        _recordsLeft--;
        RecordsRead++;
        return true;
    }

    public bool TrySkipQuestions()
    {
        while (_questionsLeft > 0)
            if (!TryReadQuestion(out _)) return false;
        return IsValid;
    }

    /// <summary>Reads every remaining question and record, checking the whole message is well formed.</summary>
    public bool TryValidateAll()
    {
        if (!TrySkipQuestions()) return false;
        while (_recordsLeft > 0)
            if (!TryReadRecord(out _)) return false;
        return IsValid;
    }

    private bool Fail(DnsDropReason reason)
    {
        Error = reason;
        return false;
    }
}
